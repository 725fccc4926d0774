/**
 * Mask NIK reaches every copy: values, keys, nested answers, hostile depth, and every spelling of
 * the NIK (separated groups with any separator, Unicode digits, percent-encoded in a URL, a JSON
 * number), also after a message or a link was cut short at any offset. The rule (DESIGN.md):
 * wherever 6 or more consecutive digits of the NIK appear, its birth-date digits (positions 7-12)
 * are masked. The property test reads the output back with an oracle of its own (percent-escapes
 * decoded, digits normalised, separators between digits removed).
 */
import fc from 'fast-check';

import { cutText } from '../../nodes/KredibelBiometric/common/quote';
import { redactNik, redactText } from '../../nodes/KredibelBiometric/masking';
import { digitString } from '../helpers/nikArbitraries';
import { expectNoBirthDate, spelledNik } from '../helpers/nikMasking';

const NIK = '3171011708450001';
const MASKED = '317101******0001';
const SEED = 20_261_206;

describe('redactNik', () => {
	it('masks every occurrence, in texts, nested values and keys', () => {
		const masked = redactNik(
			{
				message: `NIK ${NIK} is valid; ${NIK} again`,
				errors: { [NIK]: [`bad ${NIK}`], other: 1 },
				list: [[`${NIK}`]],
				keep: 1234567890123456,
			},
			NIK,
		);
		expect(JSON.stringify(masked)).not.toContain(NIK);
		expect(masked).toEqual({
			message: `NIK ${MASKED} is valid; ${MASKED} again`,
			errors: { [MASKED]: [`bad ${MASKED}`], other: 1 },
			list: [[MASKED]],
			keep: 1234567890123456,
		});
	});

	it('masks the spellings people and systems write, keeping the separators', () => {
		expect(redactText('NIK 3171 0117 0845 0001 not found', NIK)).toBe(
			'NIK 3171 01** **** 0001 not found',
		);
		expect(redactText('3171-0117-0845-0001', NIK)).toBe('3171-01**-****-0001');
		expect(redactText('3171.011708450001', NIK)).toBe('3171.01******0001');
		expect(redactText('https://h/kyc/3171%200117%200845%200001.jpg', NIK)).toBe(
			'https://h/kyc/3171%2001**%20****%200001.jpg',
		);
		expect(redactText('?nik=3171+0117+0845+0001', NIK)).toBe('?nik=3171+01**+****+0001');
		// What a cut leaves: the first 12 or the last 10 digits.
		expect(redactText('… NIK 317101170845…', NIK)).toBe('… NIK 317101******…');
		expect(redactText('…1708450001 is', NIK)).toBe('…******0001 is');
		// Other numbers, dates and the masked form itself are left alone.
		expect(redactText('1234567890123456 on 2026-12-06, 317101******0001', NIK)).toBe(
			'1234567890123456 on 2026-12-06, 317101******0001',
		);
	});

	it('turns a JSON number holding the NIK into the masked text', () => {
		expect(redactNik({ identityId: 3171011708450001, n: [3171011708450001] }, NIK)).toEqual({
			identityId: MASKED,
			n: [MASKED],
		});
	});

	it('leaves the original untouched and keeps "__proto__" a plain key', () => {
		const original = JSON.parse(`{"__proto__": "${NIK}", "a": "${NIK}"}`);
		const masked = redactNik(original, NIK);
		expect(original.a).toBe(NIK);
		expect(Object.getPrototypeOf(masked)).toBe(Object.prototype);
		expect(Object.keys(masked)).toEqual(['__proto__', 'a']);
		expect(JSON.stringify(masked)).not.toContain(NIK);
	});

	it('survives nesting deeper than the stack, dropping what lies that deep', () => {
		const deep = JSON.parse(`${'['.repeat(100_000)}"${NIK}"${']'.repeat(100_000)}`);
		expect(JSON.stringify(redactNik(deep, NIK))).not.toContain(NIK);
	});

	it('stays linear on long digit-and-separator text', () => {
		const text = '1 '.repeat(500_000);
		expect(redactText(text, NIK)).toBe(text);
	});
});

describe('Mask NIK, the spellings from the attacker review (issue 27, point 1)', () => {
	it.each([
		['a link cut after 11 NIK digits', '…/kyc/31710117084…', '…/kyc/317101*****…'],
		['colons', '3171:0117:0845:0001', '3171:01**:****:0001'],
		['percent-encoded bars', '317101%7C170845%7C0001', '317101%7C******%7C0001'],
		['en dashes', '3171\u20130117\u20130845\u20130001', '3171\u201301**\u2013****\u20130001'],
		['em spaces', '3171\u20030117\u20030845\u20030001', '3171\u200301**\u2003****\u20030001'],
		[
			'zero-width spaces',
			'3171\u200b0117\u200b0845\u200b0001',
			'3171\u200b01**\u200b****\u200b0001',
		],
		['fullwidth digits', '３１７１０１１７０８４５０００１', '３１７１０１******０００１'],
		['encoded colons', '3171%3A0117%3A0845%3A0001', '3171%3A01**%3A****%3A0001'],
		[
			'encoded en dashes',
			'3171%E2%80%930117%E2%80%930845%E2%80%930001',
			'3171%E2%80%9301**%E2%80%93****%E2%80%930001',
		],
		['a tail of 9 digits', '…708450001 is', '…*****0001 is'],
		['a tail of 6 digits', 'ends …450001', 'ends …**0001'],
		['a piece inside a longer number', '99011708459', '9901******9'],
		['the last 8 digits', '0845 0001', '**** 0001'],
		['encoded digits', 'n=%33%31%37%31%30%31%31%37%30%38%34%35', 'n=%33%31%37%31%30%31******'],
		['Arabic-Indic digits', '٣١٧١٠١١٧٠٨٤٥٠٠٠١', '٣١٧١٠١******٠٠٠١'],
		['mathematical digits', '𝟑𝟏𝟕𝟏𝟎𝟏𝟏𝟕𝟎𝟖𝟒𝟓𝟎𝟎𝟎𝟏', '𝟑𝟏𝟕𝟏𝟎𝟏******𝟎𝟎𝟎𝟏'],
		['a link inside a link', '3171%25200117%25200845%25200001', '3171%252001**%2520****%25200001'],
	])('%s', (_name, text, masked) => {
		expect(redactText(text, NIK)).toBe(masked);
	});

	it('leaves pieces of 5 digits, pieces without birth-date digits and other numbers alone', () => {
		for (const text of ['x 50001 y', 'area 317101 only', '2026-12-06 10:11:12', '5 0001']) {
			expect(redactText(text, NIK)).toBe(text);
		}
	});

	it('six digits equal to the first six stay, as the masked form shows them, also where the NIK repeats them', () => {
		// The sandbox NIK holds 123456 at positions 1-6 and 11-16.
		const nik = '1234567890123456';
		expect(redactText(`${nik} and 123456******3456`, nik)).toBe(
			'123456******3456 and 123456******3456',
		);
		expect(redactText('…90123456 and …1234567890…', nik)).toBe('…****3456 and …123456****…');
	});

	it('stays linear on long text that is all NIK', () => {
		const text = NIK.repeat(20_000);
		expect(redactText(text, NIK)).toBe(MASKED.repeat(20_000));
	});
});

const filler = fc.string({ unit: fc.constantFrom(...'abc XYZ:/?=&é'), maxLength: 400 });

/** Where a NIK shows up: a message, a URL, a key, any depth of `raw`, cut at any offset. */
const placedNik = digitString(16)
	.filter((nik) => nik[0] !== '0')
	.chain((nik) =>
		fc.record({
			nik: fc.constant(nik),
			spelled: spelledNik(nik),
			before: filler,
			after: filler,
			url: fc.webUrl(),
			cutAt: fc.nat({ max: 900 }),
			depth: fc.nat({ max: 40 }),
			asKey: fc.boolean(),
		}),
	);

function nest(value: unknown, depth: number, asKey: boolean, key: string): unknown {
	let nested: unknown = asKey ? { [key]: value } : value;
	for (let level = 0; level < depth; level++) nested = level % 2 ? [nested] : { raw: nested };
	return nested;
}

describe('Mask NIK, for any spelling and place (property)', () => {
	it('leaves no piece of 6 NIK digits that holds a birth-date digit, in any field, key or depth', () => {
		fc.assert(
			fc.property(placedNik, ({ nik, spelled, before, after, url, cutAt, depth, asKey }) => {
				const text = `${before}${spelled}${after}`;
				const link = `${url}/kyc/${spelled}/selfie.jpg`;
				const message = `The image host refused ${link}; Kredibel said: ${text}`;
				const value = {
					error: cutText(message, cutAt),
					url: cutText(link, Math.min(cutAt, 60)),
					message,
					number: Number(nik),
					raw: nest({ text, identityId: Number(nik) }, depth, asKey, text),
				};
				expectNoBirthDate(redactNik(value, nik), nik);
			}),
			{ seed: SEED, numRuns: 300 },
		);
	});

	it('a spelling cut at every position, from either end, keeps no such piece', () => {
		fc.assert(
			fc.property(placedNik, ({ nik, spelled }) => {
				for (let at = 0; at <= spelled.length; at++) {
					const head = `link …/kyc/${spelled.slice(0, at)}…`;
					const tail = `…${spelled.slice(at)} was refused`;
					expectNoBirthDate([redactText(head, nik), redactText(tail, nik)], nik);
				}
			}),
			{ seed: SEED, numRuns: 150 },
		);
	});
});
