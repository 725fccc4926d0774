/**
 * Mask NIK reaches every copy: values, keys, nested answers, hostile depth, and every spelling of
 * the NIK (separated groups, percent-encoded in a URL, a JSON number), also after a message was
 * cut short at any offset.
 */
import fc from 'fast-check';

import { cutText } from '../../nodes/KredibelBiometric/common/quote';
import { redactNik, redactText } from '../../nodes/KredibelBiometric/masking';
import { digitString, withSeparators } from '../helpers/nikArbitraries';

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

/** A spelling of `nik`: separated groups, percent-encoded or "+" in a URL, or the plain digits. */
const spelling = (nik: string) =>
	fc.oneof(
		withSeparators(fc.constant(nik)),
		withSeparators(fc.constant(nik)).map((text) => text.replace(/ /g, '%20')),
		withSeparators(fc.constant(nik)).map((text) => text.replace(/ /g, '+')),
		fc.constant(nik),
	);

const filler = fc.string({ unit: fc.constantFrom(...'abc XYZ:/?=&é'), maxLength: 400 });

/** Where a NIK shows up: a message, a URL, a key, any depth of `raw`, cut at any offset. */
const placedNik = digitString(16)
	.filter((nik) => nik[0] !== '0')
	.chain((nik) =>
		fc.record({
			nik: fc.constant(nik),
			text: fc
				.tuple(filler, spelling(nik), filler)
				.map(([before, spelled, after]) => `${before}${spelled}${after}`),
			url: fc
				.tuple(fc.webUrl(), spelling(nik))
				.map(([url, spelled]) => `${url}/kyc/${spelled}/selfie.jpg`),
			cutAt: fc.nat({ max: 900 }),
			depth: fc.nat({ max: 40 }),
			asKey: fc.boolean(),
		}),
	);

/** Separators between digits removed: what a reader could join back into one number. */
function joined(text: string): string {
	return text.replace(/(?<=\d)(?:[ .\-+\t\n\r\u00a0]|%20){1,6}(?=\d)/g, '');
}

function nest(value: unknown, depth: number, asKey: boolean, key: string): unknown {
	let nested: unknown = asKey ? { [key]: value } : value;
	for (let level = 0; level < depth; level++) nested = level % 2 ? [nested] : { raw: nested };
	return nested;
}

describe('Mask NIK, for any spelling and place (property)', () => {
	it('leaves no run of the first 12 or the last 10 digits', () => {
		fc.assert(
			fc.property(placedNik, ({ nik, text, url, cutAt, depth, asKey }) => {
				const message = `The image host refused ${url}; Kredibel said: ${text}`;
				const value = {
					error: cutText(message, cutAt),
					url: cutText(url, Math.min(cutAt, 60)),
					message,
					number: Number(nik),
					raw: nest({ text, identityId: Number(nik) }, depth, asKey, text),
				};
				const shown = JSON.stringify(redactNik(value, nik));
				for (const form of [shown, joined(shown)]) {
					expect(form).not.toContain(nik.slice(0, 12));
					expect(form).not.toContain(nik.slice(6));
				}
			}),
			{ seed: SEED, numRuns: 400 },
		);
	});
});
