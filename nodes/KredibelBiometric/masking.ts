/**
 * Mask NIK must reach every copy of the number: Kredibel echoes it in its messages, validation
 * errors and raw answer, and the node's own messages quote it (a selfie link can hold it, and a
 * message cuts a long link anywhere, also inside the NIK). People, systems and URLs spell one
 * number in many ways: "3171 0117 0845 0001", "3171:0117:0845:0001", "317101%7C170845%7C0001",
 * an en dash or a zero-width space between groups, fullwidth or other Unicode digits, a JSON
 * number. So the text is read as units (a character, or one percent-encoded character), digits
 * are read through short runs of separators, and wherever 6 or more consecutive digits of the NIK
 * appear (the whole NIK, what a cut leaves at either end, or a piece inside a longer number), the
 * ones at the NIK's positions 7-12, the birth date, are starred. Nothing is left visible beyond
 * what `317101******0001` shows: six digits that equal the NIK's first six are what the masked
 * form shows, so they stay, also where they could be read as another piece of the NIK
 * (`1234567890123456` holds `123456` twice). Linear in the length of the text.
 */
import type { IDataObject } from 'n8n-workflow';

const MAX_DEPTH = 64;
const TOO_DEEP = '[nested too deep to show]';
const NIK_LENGTH = 16;
/** The digits starred: day, month and year of birth (positions 7 to 12, counted from 1). */
const HIDDEN_START = 6;
const HIDDEN_END = 12;
/** The shortest piece of the NIK that is masked where it holds birth-date digits. */
const MIN_PIECE = 6;
/** At most this many separators between two digits of one number ("3171 - 0157", "3171\r\n\r\n0157"). */
const MAX_SEPARATORS = 6;

/** What a unit of text is, besides a digit (0-9). */
const SEPARATOR = -1;
const BREAKER = -2;

const DECIMAL_DIGIT = /^\p{Nd}$/u;
const OTHER_NUMBER = /^\p{N}$/u;
const LETTER = /^\p{L}$/u;
/** Digit values of the non-ASCII characters met so far (there are about 700 such digits). */
const digitValues = new Map<number, number>();

/**
 * The value (0-9) of a Unicode digit, or what else the character is. Decimal digits come in
 * runs of ten, 0 to 9, and a run of runs (the mathematical digits) starts at a 0; other number
 * characters count when their compatibility form is one digit (superscript ², circled ③).
 * Letters and `*` (the masked form itself) end a number; anything else may sit between groups.
 */
function classify(code: number): number {
	if (code >= 48 && code <= 57) return code - 48;
	if (code < 128) {
		const lower = code | 0x20;
		return (lower >= 97 && lower <= 122) || code === 42 ? BREAKER : SEPARATOR;
	}
	const known = digitValues.get(code);
	if (known !== undefined) return known;
	const character = String.fromCodePoint(code);
	let value: number;
	if (DECIMAL_DIGIT.test(character)) {
		let runStart = code;
		while (DECIMAL_DIGIT.test(String.fromCodePoint(runStart - 1))) runStart--;
		value = (code - runStart) % 10;
	} else if (OTHER_NUMBER.test(character)) {
		const compatible = character.normalize('NFKC');
		const single = compatible.length === 1 ? compatible.charCodeAt(0) - 48 : -1;
		value = single >= 0 && single <= 9 ? single : BREAKER;
	} else {
		return LETTER.test(character) ? BREAKER : SEPARATOR;
	}
	digitValues.set(code, value);
	return value;
}

function hexValue(code: number): number {
	if (code >= 48 && code <= 57) return code - 48;
	const lower = code | 0x20;
	return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/**
 * Reads text one unit at a time: a percent-encoded character (`%3A`, `%E2%80%93`, and the
 * twice-encoded `%253A` a URL inside a URL gets), or one code point.
 */
class UnitReader {
	/** The unit's code point, and where the next unit starts. */
	code = 0;
	end = 0;
	private byteEnd = 0;

	constructor(private readonly text: string) {}

	read(at: number): void {
		const { text } = this;
		const first = text.charCodeAt(at) === 37 ? this.encodedByte(at) : -1;
		if (first >= 0 && this.decodeUtf8(first)) return;
		this.code = text.codePointAt(at) as number;
		this.end = at + (this.code > 0xffff ? 2 : 1);
	}

	/** The byte written as `%XX` or `%25XX` at `at` (setting byteEnd), or -1. */
	private encodedByte(at: number): number {
		const { text } = this;
		if (text.charCodeAt(at) !== 37) return -1;
		const high = hexValue(text.charCodeAt(at + 1));
		const low = hexValue(text.charCodeAt(at + 2));
		if (high < 0 || low < 0) return -1;
		const byte = high * 16 + low;
		if (byte === 0x25) {
			const high2 = hexValue(text.charCodeAt(at + 3));
			const low2 = hexValue(text.charCodeAt(at + 4));
			if (high2 >= 0 && low2 >= 0) {
				this.byteEnd = at + 5;
				return high2 * 16 + low2;
			}
		}
		this.byteEnd = at + 3;
		return byte;
	}

	/** One UTF-8 character from its first byte on; false when the bytes are not one. */
	private decodeUtf8(first: number): boolean {
		let following = 0;
		let code = first;
		if (first >= 0xc2 && first <= 0xdf) [following, code] = [1, first & 0x1f];
		else if (first >= 0xe0 && first <= 0xef) [following, code] = [2, first & 0x0f];
		else if (first >= 0xf0 && first <= 0xf4) [following, code] = [3, first & 0x07];
		else if (first >= 0x80) return false;
		for (let k = 0; k < following; k++) {
			const next = this.encodedByte(this.byteEnd);
			if (next < 0x80 || next > 0xbf) return false;
			code = code * 64 + (next & 0x3f);
		}
		this.code = code;
		this.end = this.byteEnd;
		return true;
	}
}

/** Bits 6 to 15: a window of MIN_PIECE digits ending at one of these overlaps positions 6-11. */
const WINDOWS_OVER_BIRTH_DATE = ((1 << NIK_LENGTH) - 1) & ~((1 << HIDDEN_START) - 1);
/** The window ending at position 5: the NIK's first six digits, which the masked form shows. */
const SHOWN_WINDOW = 1 << (MIN_PIECE - 1);

/**
 * Finds, digit by digit, the digits of a number that lie in a piece of the NIK of MIN_PIECE or
 * more digits covering a birth-date position. Every longer piece is a chain of windows of
 * MIN_PIECE digits, so marking each matching window marks it whole. Windows are found
 * bit-parallel (shift-and): bit a of `ending[k]` says whether the last k+1 digits equal the NIK's
 * digits up to position a. Only the last MIN_PIECE digits are held; older ones are final and are
 * handed to `star` (when masked) in order.
 */
class NikPieceFinder {
	private readonly positionsOf = new Int32Array(10);
	private readonly ending = new Int32Array(MIN_PIECE);
	private readonly starts = new Int32Array(MIN_PIECE);
	private readonly ends = new Int32Array(MIN_PIECE);
	private readonly hidden = new Uint8Array(MIN_PIECE);
	private count = 0;

	constructor(
		nik: string,
		private readonly star: (start: number, end: number) => void,
	) {
		for (let position = 0; position < NIK_LENGTH; position++) {
			this.positionsOf[nik.charCodeAt(position) - 48] |= 1 << position;
		}
	}

	/** The next digit of the current number, written at [start, end) of the text. */
	digit(value: number, start: number, end: number): void {
		const { ending, hidden } = this;
		const slot = this.count % MIN_PIECE;
		if (this.count >= MIN_PIECE) this.release(slot);
		this.starts[slot] = start;
		this.ends[slot] = end;
		hidden[slot] = 0;
		const here = this.positionsOf[value];
		for (let k = MIN_PIECE - 1; k > 0; k--) ending[k] = (ending[k - 1] << 1) & here;
		ending[0] = here;
		const matched = ending[MIN_PIECE - 1];
		// Six digits that read as the NIK's first six are what `317101******0001` shows anyway.
		const windows = matched & SHOWN_WINDOW ? 0 : matched & WINDOWS_OVER_BIRTH_DATE;
		for (let a = HIDDEN_START; windows !== 0 && a < NIK_LENGTH; a++) {
			if ((windows & (1 << a)) === 0) continue;
			// The window holds the NIK's positions a-5..a; the digit at position p is a-p digits back.
			const from = Math.max(a - MIN_PIECE + 1, HIDDEN_START);
			for (let position = from; position <= Math.min(a, HIDDEN_END - 1); position++) {
				hidden[(this.count - (a - position)) % MIN_PIECE] = 1;
			}
		}
		this.count++;
	}

	/** The number ended (a letter, or too long a gap): its last digits are final too. */
	endNumber(): void {
		if (this.count === 0) return;
		const held = Math.min(this.count, MIN_PIECE);
		for (let back = held; back > 0; back--) this.release((this.count - back) % MIN_PIECE);
		this.count = 0;
		this.ending.fill(0);
	}

	private release(slot: number): void {
		if (this.hidden[slot] === 1) this.star(this.starts[slot], this.ends[slot]);
	}
}

/**
 * `text` with the birth-date digits starred wherever 6 or more consecutive digits of `nik`
 * appear, in any spelling. A starred unit (a digit, or its percent-encoded form) becomes one `*`.
 */
export function redactText(text: string, nik: string): string {
	if (nik.length !== NIK_LENGTH || !/^\d+$/.test(nik) || text.length < MIN_PIECE) return text;
	const pieces: string[] = [];
	let kept = 0;
	const finder = new NikPieceFinder(nik, (start, end) => {
		pieces.push(text.slice(kept, start), '*');
		kept = end;
	});
	const reader = new UnitReader(text);
	let separators = 0;
	for (let at = 0; at < text.length; at = reader.end) {
		reader.read(at);
		const kind = classify(reader.code);
		if (kind >= 0) {
			finder.digit(kind, at, reader.end);
			separators = 0;
		} else if (kind === BREAKER || ++separators > MAX_SEPARATORS) {
			finder.endNumber();
			separators = 0;
		}
	}
	finder.endNumber();
	if (pieces.length === 0) return text;
	pieces.push(text.slice(kept));
	return pieces.join('');
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
