/**
 * Width and height of a JPEG, from its first start-of-frame segment (baseline, progressive or
 * any other SOFn), to check what Edit Image did to a photo without decoding it.
 */
export function jpegSize(bytes: Buffer): { width: number; height: number } | undefined {
	if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
	let offset = 2;
	while (offset + 9 < bytes.length) {
		if (bytes[offset] !== 0xff) return undefined;
		const marker = bytes[offset + 1];
		if (marker === 0xff) {
			offset++; // fill byte
			continue;
		}
		const length = bytes.readUInt16BE(offset + 2);
		// SOF0-SOF15, except DHT (C4), JPG (C8) and DAC (CC).
		if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
			return { height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) };
		}
		offset += 2 + length;
	}
	return undefined;
}
