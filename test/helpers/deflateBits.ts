/**
 * Why this file exists: hostile zlib streams (bombs, endless empty blocks, streams that go on
 * after the picture) cannot be made with Node's zlib, which only writes sensible streams. This is
 * DEFLATE's bit order (RFC 1951 3.1.1: data elements LSB first, Huffman codes MSB first) and the
 * zlib wrapper (RFC 1950) around it, for tests and generators that build streams by hand.
 */

export class BitWriter {
	private readonly bytes: number[] = [];
	private bitCount = 0;

	/** Appends `count` bits of `value`, least significant first (header fields, extra bits). */
	write(value: number, count: number): this {
		for (let bit = 0; bit < count; bit++) {
			if (this.bitCount % 8 === 0) this.bytes.push(0);
			this.bytes[this.bytes.length - 1] |= ((value >> bit) & 1) << this.bitCount % 8;
			this.bitCount++;
		}
		return this;
	}

	/** Appends a Huffman code, most significant bit first. */
	writeCode(code: number, length: number): this {
		for (let bit = length - 1; bit >= 0; bit--) this.write((code >> bit) & 1, 1);
		return this;
	}

	/** Appends `count` zero bits, whole bytes at a time (a bomb's body is millions of them). */
	zeroBits(count: number): this {
		this.bitCount += count;
		while (this.bytes.length * 8 < this.bitCount) this.bytes.push(0);
		return this;
	}

	/** Pads with zero bits to the next byte boundary. */
	align(): this {
		this.bitCount = this.bytes.length * 8;
		return this;
	}

	/** The bits so far as bytes (the last one padded with zeros). */
	deflate(): Uint8Array {
		return Uint8Array.from(this.bytes);
	}

	/** The bits so far wrapped as a zlib stream with the given Adler-32 trailer. */
	zlib(adler = 0): Uint8Array {
		return zlibStream([this.deflate()], adler);
	}
}

/** RFC 1950: the two-byte header (deflate, 32 KB window, default level), the parts, the Adler-32. */
export function zlibStream(deflateParts: Uint8Array[], adler: number): Uint8Array {
	let length = 2 + 4;
	for (const part of deflateParts) length += part.length;
	const stream = new Uint8Array(length);
	stream.set([0x78, 0x9c]);
	let at = 2;
	for (const part of deflateParts) {
		stream.set(part, at);
		at += part.length;
	}
	stream.set([adler >>> 24, (adler >>> 16) & 255, (adler >>> 8) & 255, adler & 255], at);
	return stream;
}

/** Adler-32 (RFC 1950 section 9) of `count` zero bytes, without making them. */
export function adler32OfZeros(count: number): number {
	return ((count % 65521 << 16) | 1) >>> 0;
}

/** The Adler-32 trailer of a stream that Node's zlib wrote. */
export function adler32Trailer(zlibBytes: Uint8Array): number {
	const end = zlibBytes.length;
	return (
		((zlibBytes[end - 4] << 24) |
			(zlibBytes[end - 3] << 16) |
			(zlibBytes[end - 2] << 8) |
			zlibBytes[end - 1]) >>>
		0
	);
}

/**
 * `count` zero bytes in one dynamic-Huffman block at DEFLATE's best ratio (about 1032:1): a
 * literal 0, then <length 258, distance 1> pairs of two bits each, the rest as literals. The
 * literal/length code gives 285 one bit and 0 and 256 two bits; the distance code is one 1-bit
 * code; so the body of pairs is all zero bits. `final` sets BFINAL.
 */
export function deflateZeros(count: number, final = true): Uint8Array {
	if (count < 1) throw new Error('deflateZeros needs at least one byte');
	const writer = new BitWriter().write(final ? 1 : 0, 1).write(2, 2);
	writer
		.write(286 - 257, 5)
		.write(1 - 1, 5)
		.write(18 - 4, 4);
	// Code length code lengths in RFC 1951 3.2.7 order 16,17,18,0,8,7,9,6,10,5,11,4,12,3,13,2,14,1:
	// symbol 18 gets 1 bit, symbols 1 and 2 get 2 bits; canonical codes 18 -> 0, 1 -> 10, 2 -> 11.
	for (const length of [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2])
		writer.write(length, 3);
	const lengthTwo = () => writer.writeCode(0b11, 2);
	const lengthOne = () => writer.writeCode(0b10, 2);
	const zeroLengths = (run: number) => writer.writeCode(0, 1).write(run - 11, 7);
	lengthTwo(); // literal 0
	zeroLengths(138);
	zeroLengths(117); // literals 1..255
	lengthTwo(); // end of block
	zeroLengths(28); // lengths 257..284
	lengthOne(); // length symbol 285 (258)
	lengthOne(); // distance symbol 0 (1)
	// Literal/length codes: 285 -> 0, 0 -> 10, 256 -> 11; distance 0 -> 0.
	writer.writeCode(0b10, 2); // the first zero, as a literal
	const pairs = Math.floor((count - 1) / 258);
	writer.zeroBits(pairs * 2);
	for (let index = count - 1 - pairs * 258; index > 0; index--) writer.writeCode(0b10, 2);
	writer.writeCode(0b11, 2); // end of block
	return writer.deflate();
}
