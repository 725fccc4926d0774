/**
 * Why this file exists: an ICC profile arrives inside the photo, so it is as hostile as the
 * photo. Every number the profile parser reads goes through this one bounded big-endian reader
 * (ICC.1:2022 section 4: uInt8/16/32Number, s15Fixed16Number, signatures), which checks each
 * read against the end of the element it belongs to. A read past that end is damage
 * (IccDamage), never a wrong number or an exception from the JavaScript engine.
 */

/** Thrown while reading a profile that breaks the format or one of this code's limits. */
export class IccDamage extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'IccDamage';
	}
}

/** Reads within [start, end) of the profile bytes; offsets are absolute. */
export class IccReader {
	constructor(
		readonly bytes: Uint8Array,
		readonly start: number,
		readonly end: number,
	) {
		if (start < 0 || end > bytes.length || start > end) {
			throw new IccDamage('an element lies outside the profile');
		}
	}

	/** A reader for `length` bytes at `offset` (relative to this element's start). */
	sub(offset: number, length: number): IccReader {
		const start = this.start + offset;
		if (offset < 0 || length < 0 || start + length > this.end) {
			throw new IccDamage('an element runs past the end of its tag');
		}
		return new IccReader(this.bytes, start, start + length);
	}

	/** Bytes available from `offset` (relative) to the element's end. */
	remaining(offset: number): number {
		return this.end - this.start - offset;
	}

	private check(offset: number, size: number): number {
		const at = this.start + offset;
		if (offset < 0 || at + size > this.end) {
			throw new IccDamage('a value runs past the end of its tag');
		}
		return at;
	}

	u8(offset: number): number {
		return this.bytes[this.check(offset, 1)];
	}

	u16(offset: number): number {
		const at = this.check(offset, 2);
		return (this.bytes[at] << 8) | this.bytes[at + 1];
	}

	u32(offset: number): number {
		const at = this.check(offset, 4);
		const b = this.bytes;
		return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
	}

	/** s15Fixed16Number (ICC.1 4.6): a signed 32-bit value over 65536. */
	s15f16(offset: number): number {
		return (this.u32(offset) | 0) / 65536;
	}

	/** A four-character signature such as 'curv' or 'RGB ', as text. */
	signature(offset: number): string {
		const at = this.check(offset, 4);
		return String.fromCharCode(
			this.bytes[at],
			this.bytes[at + 1],
			this.bytes[at + 2],
			this.bytes[at + 3],
		);
	}
}
