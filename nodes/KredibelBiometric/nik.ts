/**
 * NIK (Nomor Induk Kependudukan) handling: the 16-digit number on an Indonesian KTP card.
 * Layout: province (2) regency (2) district (2) birth date DDMMYY (day + 40 for women) serial (4).
 */

export type NikValidationLevel = 'format' | 'strict';

type NikCheck = { ok: true; nik: string } | { ok: false; reason: string; hint: string };

const NIK_LENGTH = 16;

/** Province codes in use (Kemendagri). Area codes below province level change as regions split. */
const PROVINCE_CODES = new Set([
	'11', '12', '13', '14', '15', '16', '17', '18', '19',
	'21',
	'31', '32', '33', '34', '35', '36',
	'51', '52', '53',
	'61', '62', '63', '64', '65',
	'71', '72', '73', '74', '75', '76',
	'81', '82',
	'91', '92', '93', '94', '95', '96',
]); // prettier-ignore

/** Two-digit years cannot tell 1900 from 2000, so 29 February is always allowed. */
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Women's NIKs add 40 to the day of birth. */
const FEMALE_DAY_OFFSET = 40;

const PASS_AS_TEXT_HINT =
	'Pass the NIK as text: in an expression use {{ String($json.nik) }} only if the source kept all 16 digits, otherwise fix the form or sheet column to store the NIK as text.';

/** Room for 16 digits with the separators people type, and then some; anything longer is not a NIK. */
const MAX_NIK_TEXT_LENGTH = 64;

/** Characters people type inside a NIK ("3171 0117 0845 0001", "3171.0117-0845.0001"). */
const SEPARATORS = /[\s.\-\u00a0]/g;

/**
 * Turns whatever the workflow gave into a 16-digit string, or explains why it cannot.
 * Numbers are accepted only while exact: NIKs of Papua (91-96...) exceed
 * Number.MAX_SAFE_INTEGER, so a form or JSON field that made one a number has lost digits.
 */
export function normaliseNik(value: unknown): NikCheck {
	if (typeof value === 'number') {
		if (!Number.isSafeInteger(value) || value < 0) {
			return {
				ok: false,
				reason:
					'The NIK arrived as a number too large to be exact, so some digits are already lost',
				hint: PASS_AS_TEXT_HINT,
			};
		}
		return checkFormat(String(value));
	}
	if (typeof value === 'bigint') return checkFormat(value.toString());
	if (typeof value !== 'string') {
		return {
			ok: false,
			reason:
				value === undefined || value === null
					? 'The NIK is empty'
					: `The NIK is ${typeof value === 'object' ? (Array.isArray(value) ? 'a list' : 'an object') : `of type ${typeof value}`}, not text`,
			hint: 'Map the NIK field to the 16-digit number from the KTP, e.g. {{ $json.nik }}, not to a whole item or object.',
		};
	}
	// Checked before any pattern work: a huge value must cost nothing.
	if (value.length > MAX_NIK_TEXT_LENGTH) {
		return {
			ok: false,
			reason: `The NIK field holds ${value.length} characters; a NIK has 16 digits`,
			hint: 'Map the NIK field to the 16-digit number from the KTP, not to a whole text or file.',
		};
	}
	return checkFormat(value.replace(SEPARATORS, ''));
}

function checkFormat(nik: string): NikCheck {
	if (nik.length === 0) {
		return {
			ok: false,
			reason: 'The NIK is empty',
			hint: 'Map the NIK field to the 16-digit number from the KTP, e.g. {{ $json.nik }}.',
		};
	}
	if (!/^\d+$/.test(nik)) {
		return {
			ok: false,
			reason: 'The NIK contains characters other than digits',
			hint: 'A NIK has only digits; spaces, dots and dashes are removed automatically.',
		};
	}
	if (nik.length !== NIK_LENGTH) {
		return {
			ok: false,
			reason: `The NIK has ${nik.length} digits instead of 16`,
			hint: 'Check the number against the KTP card; a leading digit may have been dropped.',
		};
	}
	return { ok: true, nik };
}

/**
 * The structural checks behind the `strict` level. Kredibel's sandbox test NIKs fail them on
 * purpose (their "birth date" is not a date), so `format` is the default.
 */
function checkNikStructure(nik: string): NikCheck {
	const province = nik.slice(0, 2);
	const rawDay = Number(nik.slice(6, 8));
	const month = Number(nik.slice(8, 10));
	const serial = nik.slice(12, 16);
	const strictHint =
		'Check the NIK against the KTP card, or set NIK Validation to "Format Only" for test NIKs.';
	if (!PROVINCE_CODES.has(province)) {
		return { ok: false, reason: `The province code ${province} does not exist`, hint: strictHint };
	}
	if (month < 1 || month > 12) {
		return {
			ok: false,
			reason: `The birth month ${nik.slice(8, 10)} is not a month`,
			hint: strictHint,
		};
	}
	const day = rawDay > FEMALE_DAY_OFFSET ? rawDay - FEMALE_DAY_OFFSET : rawDay;
	if (day < 1 || day > DAYS_IN_MONTH[month - 1]) {
		return {
			ok: false,
			reason: `The birth day ${nik.slice(6, 8)} is not a valid day (1-31, or 41-71 for women)`,
			hint: strictHint,
		};
	}
	if (serial === '0000') {
		return { ok: false, reason: 'The serial number 0000 is never issued', hint: strictHint };
	}
	return { ok: true, nik };
}

export function validateNik(value: unknown, level: NikValidationLevel): NikCheck {
	const checked = normaliseNik(value);
	if (!checked.ok || level === 'format') return checked;
	return checkNikStructure(checked.nik);
}

/** `3171011708450001` -> `317101******0001`: keeps the area and serial, hides the birth date. */
export function maskNik(nik: string): string {
	if (nik.length !== NIK_LENGTH) return '*'.repeat(Math.min(nik.length, NIK_LENGTH));
	return `${nik.slice(0, 6)}******${nik.slice(12)}`;
}
