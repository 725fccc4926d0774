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

	it('stays linear on long text that is all NIK', () => {
		const text = NIK.repeat(20_000);
		expect(redactText(text, NIK)).toBe(MASKED.repeat(20_000));
	});
});

/** One NIK digit as someone may write it: ASCII, fullwidth, Arabic-Indic, Devanagari, bold, or percent-encoded. */
const DIGIT_FORMS: Array<(digit: number) => string> = [
	(digit) => String(digit),
	(digit) => String.fromCodePoint(0xff10 + digit),
	(digit) => String.fromCodePoint(0x0660 + digit),
	(digit) => String.fromCodePoint(0x0966 + digit),
	(digit) => String.fromCodePoint(0x1d7ce + digit),
	(digit) => `%3${digit}`,
];
/** What goes between digit groups, typed, pasted or percent-encoded (once or twice). */
const SEPARATORS = [
	' ',
	'.',
	'-',
	':',
	'|',
	'/',
	'_',
	'+',
	'\t',
	'\n',
	'\u00a0',
	'\u2013',
	'\u2014',
	'\u2003',
	'\u200b',
	'%20',
	'%3A',
	'%7C',
	'%2D',
	'%C2%A0',
	'%E2%80%93',
	'%2520',
];

/** A spelling of `nik`: mostly ASCII digits, some in other forms, separators in some gaps. */
const spelling = (nik: string) =>
	fc
		.tuple(
			fc.array(fc.nat({ max: DIGIT_FORMS.length * 3 }), { minLength: 16, maxLength: 16 }),
			fc.array(fc.array(fc.constantFrom(...SEPARATORS), { maxLength: 2 }), {
				minLength: 15,
				maxLength: 15,
			}),
		)
		.map(([forms, gaps]) =>
			Array.from(nik, (digit, k) => {
				// ASCII two times in three.
				const form = DIGIT_FORMS[forms[k] < DIGIT_FORMS.length ? forms[k] : 0];
				return form(Number(digit)) + (k < 15 ? gaps[k].join('') : '');
			}).join(''),
		);

const filler = fc.string({ unit: fc.constantFrom(...'abc XYZ:/?=&é'), maxLength: 400 });

/** Where a NIK shows up: a message, a URL, a key, any depth of `raw`, cut at any offset. */
const placedNik = digitString(16)
	.filter((nik) => nik[0] !== '0')
	.chain((nik) =>
		fc.record({
			nik: fc.constant(nik),
			spelled: spelling(nik),
			before: filler,
			after: filler,
			url: fc.webUrl(),
			cutAt: fc.nat({ max: 900 }),
			depth: fc.nat({ max: 40 }),
			asKey: fc.boolean(),
		}),
	);

/** Arabic-Indic and Devanagari digits have no compatibility form: the oracle maps them itself. */
const ZEROS_WITHOUT_COMPATIBILITY_FORM = [0x0660, 0x0966];

/**
 * The oracle: text as a reader could join it back into one number. Percent-escapes decoded
 * (twice-encoded ones too), every digit form as ASCII, and separators (anything but letters,
 * numbers and `*`, at most 6 in a row) between digits removed.
 */
function readBack(text: string): string {
	const decoded = text
		.replace(/%25([0-9a-f]{2})/gi, '%$1')
		.replace(/(?:%[0-9a-f]{2})+/gi, (escapes) => {
			try {
				return decodeURIComponent(escapes);
			} catch {
				return escapes;
			}
		});
	const ascii = Array.from(decoded, (character) => {
		const code = character.codePointAt(0) as number;
		for (const zero of ZEROS_WITHOUT_COMPATIBILITY_FORM) {
			if (code >= zero && code <= zero + 9) return String(code - zero);
		}
		const compatible = character.normalize('NFKC');
		return /^[0-9]$/.test(compatible) ? compatible : character;
	}).join('');
	return ascii.replace(/(?<=\d)[^\p{L}\p{N}*]{1,6}(?=\d)/gu, '');
}

/** Pieces of 6 digits of the NIK that hold a birth-date digit: starting at positions 2 to 11. */
function birthDatePieces(nik: string): string[] {
	return Array.from({ length: 10 }, (_, k) => nik.slice(k + 1, k + 7));
}

/** Every text in a JSON value: strings, numbers, and keys. */
function texts(value: unknown, found: string[] = []): string[] {
	if (typeof value === 'string') found.push(value);
	else if (typeof value === 'number') found.push(String(value));
	else if (Array.isArray(value)) value.forEach((inner) => texts(inner, found));
	else if (typeof value === 'object' && value !== null) {
		for (const [key, inner] of Object.entries(value)) {
			found.push(key);
			texts(inner, found);
		}
	}
	return found;
}

function expectNoBirthDate(value: unknown, nik: string): void {
	const pieces = birthDatePieces(nik);
	for (const text of texts(value)) {
		const read = readBack(text);
		for (const piece of pieces) {
			if (read.includes(piece)) {
				throw new Error(
					`${JSON.stringify(text)} reads back as ${JSON.stringify(read)}, with ${piece}`,
				);
			}
		}
	}
}

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
