/**
 * Mask NIK must reach every copy of the number: Kredibel echoes it in its messages, validation
 * errors and raw answer, and the node's own messages quote it (an image URL can hold it too).
 * Masking the `identityId` field alone would leave the full NIK in all of those, and so would
 * matching only the plain 16 digits: people and systems write "3171 0157 0845 0001",
 * "3171-0157-0845-0001", "3171%200157...", or a JSON number. So digits are read through the
 * separators between them, and any run of the NIK's first 12 or last 10 digits (what a cut
 * message or a truncated number leaves) has its middle six digits starred.
 */
import type { IDataObject } from 'n8n-workflow';

const MAX_DEPTH = 64;
const TOO_DEEP = '[nested too deep to show]';
const NIK_LENGTH = 16;
/** The digits starred: day, month and year of birth (positions 6 to 11 of the NIK). */
const HIDDEN_START = 6;
const HIDDEN_END = 12;
/** Separators written between digit groups; URLs write them percent-encoded. */
const SEPARATOR_CHARS = ' \t\n\r\u00a0.-+_,/';
const ENCODED_SEPARATORS = ['%20', '%2b', '%2c', '%2d', '%2e', '%2f', '%5f', '%c2%a0'];
/** At most this many separators between two digits of one number ("3171 - 0157", "3171\r\n\r\n0157"). */
const MAX_SEPARATORS = 6;
/** Longer than any run of MAX_SEPARATORS separators: gaps this long are never read through. */
const MAX_GAP_CHARS = MAX_SEPARATORS * 6;

function isDigit(code: number): boolean {
	return code >= 48 && code <= 57;
}

/** Whether the text between two digits is only separators, at most MAX_SEPARATORS of them. */
function isSeparatorGap(text: string, from: number, to: number): boolean {
	if (to - from > MAX_GAP_CHARS) return false;
	let count = 0;
	let at = from;
	while (at < to) {
		if (++count > MAX_SEPARATORS) return false;
		if (SEPARATOR_CHARS.includes(text[at])) {
			at++;
			continue;
		}
		const encoded = encodedSeparatorAt(text, at);
		if (encoded === '' || at + encoded.length > to) return false;
		at += encoded.length;
	}
	return true;
}

/** The percent-encoded separator at `at`, or ''. */
function encodedSeparatorAt(text: string, at: number): string {
	const found = ENCODED_SEPARATORS.find(
		(candidate) => text.slice(at, at + candidate.length).toLowerCase() === candidate,
	);
	return found ?? '';
}

/** Every start of `pattern` in `text`, overlapping ones included. */
function occurrences(text: string, pattern: string): number[] {
	const found: number[] = [];
	for (let at = text.indexOf(pattern); at !== -1; at = text.indexOf(pattern, at + 1)) {
		found.push(at);
	}
	return found;
}

/**
 * `text` with the birth-date digits of every spelling of `nik` starred, and of every run of
 * its first 12 or last 10 digits. Linear in the length of the text.
 */
export function redactText(text: string, nik: string): string {
	if (nik.length !== NIK_LENGTH || text.length < NIK_LENGTH - HIDDEN_START) return text;
	const head = nik.slice(0, HIDDEN_END);
	const tail = nik.slice(HIDDEN_START);
	let result: string[] | undefined;
	let index = 0;
	while (index < text.length) {
		if (!isDigit(text.charCodeAt(index))) {
			index++;
			continue;
		}
		// One number: digits joined by short runs of separators.
		const positions = [index];
		let last = index;
		for (let next = index + 1; next < text.length && next - last <= MAX_GAP_CHARS + 1; next++) {
			if (!isDigit(text.charCodeAt(next))) {
				// "%20" holds digits that are not part of the number.
				if (text[next] === '%') next += Math.max(0, encodedSeparatorAt(text, next).length - 1);
				continue;
			}
			if (next !== last + 1 && !isSeparatorGap(text, last + 1, next)) break;
			positions.push(next);
			last = next;
		}
		index = last + 1;
		if (positions.length < tail.length) continue;
		const digits = positions.map((at) => text[at]).join('');
		const hidden = new Set<number>();
		const hide = (from: number) => {
			for (let k = from; k < from + HIDDEN_END - HIDDEN_START; k++) hidden.add(k);
		};
		for (const at of occurrences(digits, head)) hide(at + HIDDEN_START);
		for (const at of occurrences(digits, tail)) hide(at);
		if (hidden.size === 0) continue;
		result ??= text.split('');
		for (const k of hidden) result[positions[k]] = '*';
	}
	return result === undefined ? text : result.join('');
}

/**
 * A copy of a JSON value with every spelling of `nik` masked, in values and in keys. A number
 * that holds the NIK's digits becomes the masked text. Only what JSON can hold is walked;
 * anything else is returned as it is.
 */
export function redactNik<T>(value: T, nik: string): T {
	if (nik === '') return value;
	const walk = (current: unknown, depth: number): unknown => {
		if (typeof current === 'string') return redactText(current, nik);
		if (typeof current === 'number' || typeof current === 'bigint') {
			const digits = typeof current === 'bigint' ? current.toString() : numberDigits(current);
			const masked = redactText(digits, nik);
			return masked === digits ? current : masked;
		}
		if (typeof current !== 'object' || current === null) return current;
		// A hostile answer can nest deeper than the stack: what lies that deep is dropped.
		if (depth > MAX_DEPTH) return TOO_DEEP;
		if (Array.isArray(current)) return current.map((inner) => walk(inner, depth + 1));
		const copy: IDataObject = {};
		for (const [key, inner] of Object.entries(current)) {
			// defineProperty: a key such as "__proto__" stays a plain field of the copy.
			Object.defineProperty(copy, redactText(key, nik), {
				value: walk(inner, depth + 1),
				enumerable: true,
				writable: true,
				configurable: true,
			});
		}
		return copy;
	};
	return walk(value, 0) as T;
}

/** A number's digits as JSON writes them; large integers without the exponent form. */
function numberDigits(value: number): string {
	if (!Number.isFinite(value)) return String(value);
	return Number.isInteger(value) && Math.abs(value) < 1e21
		? BigInt(value).toString()
		: String(value);
}
