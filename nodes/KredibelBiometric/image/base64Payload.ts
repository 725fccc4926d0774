/**
 * Base64 as the node reads it, and the decoding of a long payload held in a Buffer (the photo an
 * SVG wraps in a data URL) a chunk at a time. A 25 MB payload takes about half a second to check
 * and decode: done in one go it would hold n8n's event loop that long, so a checkpoint runs
 * between chunks. The rules are those of the Base64 Image field (imageBytes.ts): the standard and
 * URL-safe alphabets, whitespace anywhere (XML writes a line break in an attribute as `&#10;`),
 * padding only at the end and only to complete a group, and an end on a whole byte.
 */

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * In a final group of 2 or 3 characters the last one carries bits beyond the last byte, and an
 * encoder always leaves them 0. Set bits mean the text was cut off or altered: a decoder would
 * drop them silently, and the image would arrive truncated.
 */
function endsOnByteBoundary(unpaddedLength: number, lastValue: number): boolean {
	const remainder = unpaddedLength % 4;
	if (remainder === 0) return true;
	if (remainder === 1) return false;
	const unusedBits = remainder === 2 ? 0b1111 : 0b11;
	return (lastValue & unusedBits) === 0;
}

export type PayloadDecode =
	| { ok: true; bytes: Buffer }
	| { ok: false; tooLarge: boolean; reason: string };

/** Bytes read between two checkpoints. */
const CHUNK = 256 * 1024;
/** Base64 characters gathered before they are decoded, a multiple of 4. */
const WINDOW = 256 * 1024;

const SKIP = -1;
const PAD = -2;
const REFERENCE = -3;
const INVALID = -4;

/** What each byte is: its base64 value (URL-safe - and _ as + and /), or one of the above. */
const CLASS = new Int8Array(256).fill(INVALID);
for (let value = 0; value < 64; value++) CLASS[BASE64_ALPHABET.charCodeAt(value)] = value;
CLASS[0x2d] = 62;
CLASS[0x5f] = 63;
for (const space of [0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]) CLASS[space] = SKIP;
CLASS[0x3d] = PAD;
CLASS[0x26] = REFERENCE;

function digitValue(byte: number, hex: boolean): number {
	if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
	const lower = byte | 0x20;
	return hex && lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

/**
 * A character reference at `at` (`&#10;`, `&#x2F;`): sets `read` to the class of the character it
 * stands for (INVALID for anything else) and where it ends. No allocation: a payload can hold a
 * reference every 77 bytes.
 */
function readReference(source: Uint8Array, at: number, end: number, read: Int32Array): void {
	read[0] = INVALID;
	read[1] = at + 1;
	let p = at + 1;
	if (source[p] !== 0x23) return;
	p++;
	const hex = (source[p] | 0x20) === 0x78;
	if (hex) p++;
	const digitsStart = p;
	let code = 0;
	for (; p < end && p - digitsStart < 7; p++) {
		const digit = digitValue(source[p], hex);
		if (digit < 0) break;
		code = code * (hex ? 16 : 10) + digit;
	}
	if (p === digitsStart || source[p] !== 0x3b || code > 0xff) return;
	read[0] = CLASS[code] === REFERENCE ? INVALID : CLASS[code];
	read[1] = p + 1;
}

/** Each base64 value as the byte of its standard character. */
const ALPHABET_BYTES = Uint8Array.from(BASE64_ALPHABET, (character) => character.charCodeAt(0));

/**
 * The decoding state between chunks. `feed` is synchronous and keeps its loop on locals: the
 * per-byte work must stay a few nanoseconds, or a 25 MB payload costs seconds.
 */
class Base64Decoder {
	/** Base64 characters seen, and `=` after them. */
	length = 0;
	padding = 0;
	lastValue = 0;
	/** Characters gathered and not yet decoded, and bytes decoded so far. */
	private held = 0;
	written = 0;
	private readonly gathered = Buffer.allocUnsafe(WINDOW);
	private readonly reference = new Int32Array(2);

	constructor(
		readonly output: Buffer,
		private readonly maxChars: number,
		/** XML character references (`&#10;`) are read in an SVG attribute only. */
		private readonly references: boolean,
	) {}

	/** Reads [from, to) of `source` (`end` bounds a reference); what went wrong, or undefined. */
	feed(source: Uint8Array, from: number, to: number, end: number): PayloadDecode | undefined {
		const { gathered, reference, maxChars } = this;
		let { length, padding, lastValue, held } = this;
		let problem: PayloadDecode | undefined;
		let at = from;
		while (at < to) {
			let kind = CLASS[source[at]];
			if (kind === REFERENCE && !this.references) kind = INVALID;
			if (kind === REFERENCE) {
				readReference(source, at, end, reference);
				kind = reference[0];
				at = reference[1];
			} else at++;
			if (kind === SKIP) continue;
			if (kind === PAD) {
				padding++;
				continue;
			}
			if (kind === INVALID || padding > 0) {
				problem = { ok: false, tooLarge: false, reason: 'it is not valid base64' };
				break;
			}
			if (++length > maxChars) {
				problem = { ok: false, tooLarge: true, reason: 'it decodes to more than the limit' };
				break;
			}
			if (held === WINDOW) {
				this.held = held;
				this.decodeGathered(false);
				held = this.held;
			}
			gathered[held++] = ALPHABET_BYTES[kind];
			lastValue = kind;
		}
		Object.assign(this, { length, padding, lastValue, held });
		this.next = at;
		return problem;
	}

	/** Where the next `feed` starts: a reference can end past the chunk. */
	next = 0;

	/** Decodes the gathered characters: whole groups of four, or all of them at the end. */
	decodeGathered(all: boolean): void {
		const { held } = this;
		const whole = all ? held : held - (held % 4);
		this.written += this.output.write(
			this.gathered.toString('latin1', 0, whole),
			this.written,
			'base64',
		);
		this.gathered.copy(this.gathered, 0, whole, held);
		this.held = held - whole;
	}
}

/**
 * Decodes the base64 text in `source` from `start` to `end`, refusing it once it would decode to
 * more than `maxBytes`. Only the decoded bytes and a small window of text are held; `checkpoint`
 * runs after every CHUNK bytes read.
 */
export async function decodeBase64Payload(
	source: Buffer,
	start: number,
	end: number,
	maxBytes: number,
	checkpoint: () => Promise<void>,
): Promise<PayloadDecode> {
	const decoder = newDecoder(end - start, maxBytes, true);
	decoder.next = start;
	while (decoder.next < end) {
		const problem = decoder.feed(source, decoder.next, Math.min(end, decoder.next + CHUNK), end);
		if (problem) return problem;
		if (decoder.next < end) await checkpoint();
	}
	return finish(decoder, maxBytes);
}

/**
 * Decodes base64 text held in a string (the Base64 Image field) from `start`, the same way, a
 * chunk at a time: each chunk is copied into a small scratch buffer, so neither a second copy of
 * the text nor a pass over all of it ever holds the event loop. Characters outside ASCII are not
 * base64; they are refused before the copy, which would otherwise keep only their low byte.
 */
export async function decodeBase64Text(
	text: string,
	start: number,
	maxBytes: number,
	checkpoint: () => Promise<void>,
): Promise<PayloadDecode> {
	const decoder = newDecoder(text.length - start, maxBytes, false);
	const scratch = Buffer.allocUnsafe(CHUNK);
	for (let at = start; at < text.length; at += CHUNK) {
		const chunk = text.slice(at, at + CHUNK);
		if (NOT_ASCII.test(chunk))
			return { ok: false, tooLarge: false, reason: 'it is not valid base64' };
		const length = scratch.write(chunk, 0, 'latin1');
		const problem = decoder.feed(scratch, 0, length, length);
		if (problem) return problem;
		if (at + CHUNK < text.length) await checkpoint();
	}
	return finish(decoder, maxBytes);
}

const NOT_ASCII = /[\u0080-\uffff]/;

function newDecoder(textLength: number, maxBytes: number, references: boolean): Base64Decoder {
	const maxChars = Math.ceil(maxBytes / 3) * 4;
	const output = Buffer.allocUnsafe(Math.min(maxBytes, Math.ceil((textLength * 3) / 4)) + 3);
	return new Base64Decoder(output, maxChars, references);
}

/** The end of the text: padding, a whole last byte, the limit; the decoded bytes. */
function finish(decoder: Base64Decoder, maxBytes: number): PayloadDecode {
	const { length, padding, lastValue } = decoder;
	// Padding is optional, but where present it must complete the last group of four.
	const badPadding = padding > 2 || (padding > 0 && (length + padding) % 4 !== 0);
	if (length === 0 || badPadding || !endsOnByteBoundary(length, lastValue)) {
		return {
			ok: false,
			tooLarge: false,
			reason:
				length === 0 && padding === 0
					? 'it holds no base64 characters'
					: 'its end does not fall on a whole byte, so the text is probably cut off',
		};
	}
	decoder.decodeGathered(true);
	if (decoder.written > maxBytes) {
		return { ok: false, tooLarge: true, reason: 'it decodes to more than the limit' };
	}
	return { ok: true, bytes: decoder.output.subarray(0, decoder.written) };
}
