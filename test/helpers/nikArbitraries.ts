/**
 * fast-check arbitraries for NIK values, shared by the property tests of the pure NIK checks
 * (test/unit/properties.test.ts) and of the whole node inside n8n-core
 * (test/engine/nikProperty.test.ts): NIKs built from the KTP layout, NIK-like text with the
 * separators people type, and numbers at the edges of what JavaScript can hold exactly.
 */
import fc from 'fast-check';

// ---------------------------------------------------------------------------------------------
// NIK oracle, written from the KTP layout (Permendagri / Dukcapil), not from nik.ts:
// PP KK CC DDMMYY SSSS, province codes in use, day + 40 for women, serial from 0001.
// ---------------------------------------------------------------------------------------------

export const ORACLE_PROVINCES = [
	// Sumatra
	...['11', '12', '13', '14', '15', '16', '17', '18', '19', '21'],
	// Java
	...['31', '32', '33', '34', '35', '36'],
	// Bali, Nusa Tenggara
	...['51', '52', '53'],
	// Kalimantan
	...['61', '62', '63', '64', '65'],
	// Sulawesi
	...['71', '72', '73', '74', '75', '76'],
	// Maluku
	...['81', '82'],
	// Papua (91 Papua, 92 Papua Barat, 93-96 the provinces created in 2022)
	...['91', '92', '93', '94', '95', '96'],
];
/** Two-digit years cannot tell a leap year, so 29 February must always pass. */
export const ORACLE_MONTH_LENGTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export const pad = (value: number, width: number) => String(value).padStart(width, '0');
export const digitString = (length: number) =>
	fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: length, maxLength: length });

/** NIKs built from valid parts only: every one must pass `strict`. */
export const validNik = fc
	.record({
		province: fc.constantFrom(...ORACLE_PROVINCES),
		area: digitString(4),
		date: fc
			.integer({ min: 1, max: 12 })
			.chain((month) =>
				fc.tuple(
					fc.constant(month),
					fc.integer({ min: 1, max: ORACLE_MONTH_LENGTH[month - 1] }),
					fc.boolean(),
				),
			),
		year: digitString(2),
		serial: digitString(4).filter((serial) => serial !== '0000'),
	})
	.map(
		({ province, area, date: [month, day, female], year, serial }) =>
			`${province}${area}${pad(female ? day + 40 : day, 2)}${pad(month, 2)}${year}${serial}`,
	);

/** 16-digit strings whose parts are valid or not, biased towards the edges of each rule. */
export const mixedNik = fc
	.record({
		province: fc.oneof(fc.constantFrom(...ORACLE_PROVINCES), digitString(2)),
		area: digitString(4),
		day: fc.oneof(
			digitString(2),
			fc.integer({ min: 0, max: 75 }).map((day) => pad(day, 2)),
			fc.constantFrom('00', '01', '28', '29', '30', '31', '32', '40', '41', '69', '70', '71', '72'),
		),
		month: fc.oneof(
			digitString(2),
			fc.integer({ min: 0, max: 13 }).map((month) => pad(month, 2)),
		),
		year: digitString(2),
		serial: fc.oneof(digitString(4), fc.constant('0000'), fc.constant('0001')),
	})
	.map((p) => `${p.province}${p.area}${p.day}${p.month}${p.year}${p.serial}`);

/** What people type between digit groups, and what copy-paste adds. */
export const separatorText = fc.string({
	unit: fc.constantFrom(' ', '.', '-', '\t', '\n', '\r\n', '\u00a0', '  '),
	minLength: 1,
	maxLength: 3,
});

export function insertAt(text: string, insertions: Array<[number, string]>): string {
	let result = text;
	for (const [position, inserted] of insertions) {
		const at = position % (result.length + 1);
		result = result.slice(0, at) + inserted + result.slice(at);
	}
	return result;
}

export const withSeparators = (base: fc.Arbitrary<string>) =>
	fc
		.tuple(base, fc.array(fc.tuple(fc.nat(), separatorText), { maxLength: 8 }))
		.map(([text, insertions]) => insertAt(text, insertions));

/** Strings that often look like a NIK: digits, separators, and sometimes something else. */
export const nikLikeText = fc.oneof(
	withSeparators(validNik),
	withSeparators(mixedNik),
	withSeparators(digitString(15)),
	withSeparators(digitString(17)),
	fc.string({
		unit: fc.constantFrom(
			...'0123456789',
			' ',
			'.',
			'-',
			'\u00a0',
			'\u2003',
			'/',
			',',
			'_',
			'O',
			'l',
		),
		maxLength: 24,
	}),
	fc.string({ unit: 'binary', maxLength: 24 }),
);

export const anyNumber = fc.oneof(
	fc.integer({ min: 1_000_000_000_000_000, max: Number.MAX_SAFE_INTEGER }),
	fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
	fc.maxSafeInteger(),
	fc.double(),
	fc.double({ min: 1e14, max: 1e18, noNaN: true }),
	fc.double({ min: 1e15, max: 1e17, noNaN: true }).map(Math.floor),
	fc.constantFrom(
		NaN,
		Infinity,
		-Infinity,
		-0,
		0,
		Number.MAX_SAFE_INTEGER,
		Number.MAX_SAFE_INTEGER + 1,
		Number.MAX_SAFE_INTEGER + 2,
		Number.MAX_VALUE,
		Number.EPSILON,
		1e15,
		1e16 - 1,
		1e16,
		-3171011708450001,
		3171011708450001.5,
		Number('9171011708450001'),
		Number('9671011708450001'),
	),
);
