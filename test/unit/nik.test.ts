import {
	maskNik,
	normaliseNik,
	validateNik,
	type NikValidationLevel,
} from '../../nodes/KredibelBiometric/nik';

type Case = [
	description: string,
	input: unknown,
	level: NikValidationLevel,
	expected: string | RegExp,
];

// expected: the normalised NIK when accepted, or a pattern of the reason when refused.
const cases: Case[] = [
	['sandbox match NIK, format', '1234567890123456', 'format', '1234567890123456'],
	['sandbox no-match NIK, format', '1234567890111111', 'format', '1234567890111111'],
	['sandbox match NIK fails strict (month 90)', '1234567890123456', 'strict', /birth month 90/],
	['sandbox no-match NIK fails strict (month 90)', '1234567890111111', 'strict', /birth month 90/],
	['man born 17 Aug 1945, strict', '3171011708450001', 'strict', '3171011708450001'],
	['woman born 17 Aug 1945 (day 57), strict', '3171015708450001', 'strict', '3171015708450001'],
	['spaces typed by people', ' 3171 0117 0845 0001 ', 'strict', '3171011708450001'],
	['dots and dashes', '3171.0117-0845.0001', 'strict', '3171011708450001'],
	['tabs and no-break spaces', '3171\t0117\u00a008450001', 'format', '3171011708450001'],
	['15 digits', '317101170845000', 'format', /15 digits instead of 16/],
	['17 digits', '31710117084500011', 'format', /17 digits instead of 16/],
	['letters', '3171O117O8450001', 'format', /characters other than digits/],
	['empty string', '', 'format', /empty/],
	['only separators', ' - . ', 'format', /empty/],
	['undefined', undefined, 'format', /empty/],
	['null', null, 'format', /empty/],
	['an object', { nik: '3171011708450001' }, 'format', /not text/],
	['a boolean', true, 'format', /not text/],
	['bad province 99', '9971011708450001', 'strict', /province code 99/],
	['bad province 10', '1071011708450001', 'strict', /province code 10/],
	['day 32', '3171013208450001', 'strict', /birth day 32/],
	['day 40 (between men and women)', '3171014008450001', 'strict', /birth day 40/],
	['day 72 (women end at 71)', '3171017208450001', 'strict', /birth day 72/],
	['day 00', '3171010008450001', 'strict', /birth day 00/],
	['31 April', '3171013104450001', 'strict', /birth day 31/],
	['29 February is allowed', '3171012902000001', 'strict', '3171012902000001'],
	['30 February', '3171013002000001', 'strict', /birth day 30/],
	['month 13', '3171011713450001', 'strict', /birth month 13/],
	['month 00', '3171011700450001', 'strict', /birth month 00/],
	['serial 0000', '3171011708450000', 'strict', /serial number 0000/],
	['bad province passes format only', '9971011708450001', 'format', '9971011708450001'],
	[
		'Papua province 91 (larger than MAX_SAFE_INTEGER as a number), as text',
		'9171011708450001',
		'strict',
		'9171011708450001',
	],
	['a safe integer number', 3171011708450001, 'strict', '3171011708450001'],
	[
		'a Papua NIK that became a number has lost digits',
		Number('9171011708450001'),
		'format',
		/too large to be exact/,
	],
	['a negative number', -3171011708450001, 'format', /too large to be exact|not/],
	['a fractional number', 3171011708450.5, 'format', /too large to be exact/],
	['a bigint keeps all digits', BigInt('9171011708450001'), 'format', '9171011708450001'],
];

describe('NIK validation', () => {
	it.each(cases)('%s', (_description, input, level, expected) => {
		const checked = validateNik(input, level);
		if (typeof expected === 'string') {
			expect(checked).toEqual({ ok: true, nik: expected });
		} else {
			expect(checked.ok).toBe(false);
			if (!checked.ok) {
				expect(checked.reason).toMatch(expected);
				expect(checked.hint.length).toBeGreaterThan(10);
			}
		}
	});

	it('tells users whose NIK became a number to pass it as text', () => {
		const checked = normaliseNik(Number('9171011708450001'));
		expect(checked.ok).toBe(false);
		if (!checked.ok) expect(checked.hint).toMatch(/as text/);
	});

	it('points strict failures at the Format Only setting for test NIKs', () => {
		const checked = validateNik('1234567890123456', 'strict');
		if (checked.ok) throw new Error('expected a failure');
		expect(checked.hint).toMatch(/Format Only/);
	});
});

describe('maskNik', () => {
	it('keeps area and serial, hides the birth date', () => {
		expect(maskNik('3171011708450001')).toBe('317101******0001');
		expect(maskNik('1234567890123456')).toBe('123456******3456');
	});

	it('hides every character of something that is not a NIK', () => {
		expect(maskNik('12345')).toBe('*****');
	});
});
