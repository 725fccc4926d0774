/**
 * Mask NIK as the attacker review read it (issue 27, point 1): spellings of a NIK that people,
 * systems and URLs produce (any separator, Unicode digit forms, percent-encoding once or twice),
 * and an oracle of the tests' own that reads an output back as a reader could (escapes decoded,
 * digits normalised, separators between digits removed) and fails on any piece of 6 NIK digits
 * holding a birth-date digit. Shared by the unit property test (test/unit/masking.test.ts) and
 * the engine one, which also reads thrown errors (test/engine/maskNik.test.ts).
 */
import fc from 'fast-check';

/** One NIK digit as written: ASCII, fullwidth, Arabic-Indic, Devanagari, bold, percent-encoded. */
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
export const spelledNik = (nik: string) =>
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
				// ASCII about three times in four.
				const form = DIGIT_FORMS[forms[k] < DIGIT_FORMS.length ? forms[k] : 0];
				return form(Number(digit)) + (k < 15 ? gaps[k].join('') : '');
			}).join(''),
		);

/** Arabic-Indic and Devanagari digits have no compatibility form: the oracle maps them itself. */
const ZEROS_WITHOUT_COMPATIBILITY_FORM = [0x0660, 0x0966];

/**
 * The oracle: text as a reader could join it back into one number. Percent-escapes decoded
 * (twice-encoded ones too), every digit form as ASCII, and separators (anything but letters,
 * numbers and `*`, at most 6 in a row) between digits removed.
 */
export function readBack(text: string): string {
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

/**
 * Pieces of 6 digits of the NIK that hold a birth-date digit (starting at positions 2 to 11),
 * but not one that equals the first six digits, which the masked form shows itself.
 */
function birthDatePieces(nik: string): string[] {
	const shown = nik.slice(0, 6);
	return Array.from({ length: 10 }, (_, k) => nik.slice(k + 1, k + 7)).filter(
		(piece) => piece !== shown,
	);
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

export function expectNoBirthDate(value: unknown, nik: string): void {
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
