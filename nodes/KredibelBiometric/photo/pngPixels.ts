/**
 * Why this file exists: PNG stores pixels in ten sample layouts (grey, RGB, palette, grey+alpha,
 * RGBA at 1 to 16 bits, some with a tRNS colour key), and the rest of the photo code takes one:
 * 8-bit grey or RGB, transparency composited over white (a face-matching service wants no alpha),
 * 16-bit samples rounded to 8 bits (round(v * 255 / 65535), as pngjs and libpng's scaling do).
 * One converter is chosen per image, so the per-pixel loop has no decisions in it; the two
 * roundings are lookup tables, since a 50-megapixel PNG runs them 200 million times.
 */

import type { PngChunk, PngLayout } from './pngChunks';

/**
 * Converts one unfiltered scanline, `width` pixels from `raw[row]`, to 8-bit samples written to
 * `out[at]`, `at + step`, ... (1 sample per pixel for grey types 0 and 4, else 3).
 */
export type RowConverter = (
	raw: Uint8Array,
	row: number,
	width: number,
	out: Uint8Array,
	at: number,
	step: number,
) => void;

/** REDUCE_16[v] = round(v * 255 / 65535): a 16-bit sample as 8 bits. */
const REDUCE_16 = (() => {
	const table = new Uint8Array(65536);
	for (let value = 0; value < 65536; value++) table[value] = ((value * 255 + 32767) / 65535) | 0;
	return table;
})();

/** OVER_WHITE[alpha << 8 | colour] = round((colour * alpha + 255 * (255 - alpha)) / 255). */
const OVER_WHITE = (() => {
	const table = new Uint8Array(65536);
	for (let alpha = 0; alpha < 256; alpha++) {
		for (let colour = 0; colour < 256; colour++) {
			table[(alpha << 8) | colour] = ((colour * alpha + 255 * (255 - alpha) + 127) / 255) | 0;
		}
	}
	return table;
})();

/** 11.3.2.1 tRNS for colour types 0 and 2: the one sample value (or RGB triple) that is transparent. */
function transparentKey(
	bytes: Uint8Array,
	chunk: PngChunk | undefined,
	samples: number,
): number[] | undefined {
	if (!chunk || chunk.length < samples * 2) return undefined;
	const key: number[] = [];
	for (let sample = 0; sample < samples; sample++) {
		key.push((bytes[chunk.offset + sample * 2] << 8) | bytes[chunk.offset + sample * 2 + 1]);
	}
	return key;
}

/** Palette entries composited over white with their tRNS alpha; indices past the palette are black. */
function paletteOverWhite(
	bytes: Uint8Array,
	palette: PngChunk,
	transparency: PngChunk | undefined,
): Uint8Array {
	const colours = new Uint8Array(256 * 3);
	const entries = palette.length / 3;
	for (let entry = 0; entry < entries; entry++) {
		const alpha =
			transparency && entry < transparency.length ? bytes[transparency.offset + entry] : 255;
		for (let channel = 0; channel < 3; channel++) {
			colours[entry * 3 + channel] =
				OVER_WHITE[(alpha << 8) | bytes[palette.offset + entry * 3 + channel]];
		}
	}
	return colours;
}

/** The converter for this image's colour type, bit depth, palette and tRNS. */
export function makeRowConverter(bytes: Uint8Array, layout: PngLayout): RowConverter {
	const { bitDepth, colourType } = layout.header;
	const { transparency, palette } = layout;
	if (colourType === 3 && palette) return paletteConverter(bytes, bitDepth, palette, transparency);
	if (colourType === 0) {
		const key = transparentKey(bytes, transparency, 1);
		return greyConverter(bitDepth, key ? key[0] : -1);
	}
	if (colourType === 2) return rgbConverter(bitDepth, transparentKey(bytes, transparency, 3));
	// Colour types 4 and 6 carry alpha (tRNS is not allowed with them and is ignored).
	if (colourType === 4) return bitDepth === 8 ? greyAlpha8 : greyAlpha16;
	return bitDepth === 8 ? rgba8 : rgba16;
}

function paletteConverter(
	bytes: Uint8Array,
	bitDepth: number,
	palette: PngChunk,
	transparency: PngChunk | undefined,
): RowConverter {
	const colours = paletteOverWhite(bytes, palette, transparency);
	const mask = (1 << bitDepth) - 1;
	return (raw, row, width, out, at, step) => {
		for (let x = 0; x < width; x++, at += step) {
			const bit = x * bitDepth;
			const index = ((raw[row + (bit >> 3)] >> (8 - bitDepth - (bit & 7))) & mask) * 3;
			out[at] = colours[index];
			out[at + 1] = colours[index + 1];
			out[at + 2] = colours[index + 2];
		}
	};
}

function greyConverter(bitDepth: number, transparentSample: number): RowConverter {
	if (bitDepth === 16) {
		return (raw, row, width, out, at, step) => {
			for (let x = 0, from = row; x < width; x++, from += 2, at += step) {
				const sample = (raw[from] << 8) | raw[from + 1];
				out[at] = sample === transparentSample ? 255 : REDUCE_16[sample];
			}
		};
	}
	if (bitDepth === 8 && transparentSample < 0) {
		return (raw, row, width, out, at, step) => {
			if (step === 1) out.set(raw.subarray(row, row + width), at);
			else for (let x = 0; x < width; x++, at += step) out[at] = raw[row + x];
		};
	}
	const mask = (1 << bitDepth) - 1;
	const scale = 255 / mask;
	return (raw, row, width, out, at, step) => {
		for (let x = 0; x < width; x++, at += step) {
			const bit = x * bitDepth;
			const sample = (raw[row + (bit >> 3)] >> (8 - bitDepth - (bit & 7))) & mask;
			out[at] = sample === transparentSample ? 255 : sample * scale;
		}
	};
}

function rgbConverter(bitDepth: number, key: number[] | undefined): RowConverter {
	if (bitDepth === 16) {
		const [keyRed, keyGreen, keyBlue] = key ?? [-1, -1, -1];
		return (raw, row, width, out, at, step) => {
			for (let x = 0, from = row; x < width; x++, from += 6, at += step) {
				const red = (raw[from] << 8) | raw[from + 1];
				const green = (raw[from + 2] << 8) | raw[from + 3];
				const blue = (raw[from + 4] << 8) | raw[from + 5];
				if (red === keyRed && green === keyGreen && blue === keyBlue) {
					out[at] = out[at + 1] = out[at + 2] = 255;
					continue;
				}
				out[at] = REDUCE_16[red];
				out[at + 1] = REDUCE_16[green];
				out[at + 2] = REDUCE_16[blue];
			}
		};
	}
	if (!key) {
		return (raw, row, width, out, at, step) => {
			if (step === 3) {
				out.set(raw.subarray(row, row + width * 3), at);
				return;
			}
			for (let x = 0, from = row; x < width; x++, from += 3, at += step) {
				out[at] = raw[from];
				out[at + 1] = raw[from + 1];
				out[at + 2] = raw[from + 2];
			}
		};
	}
	return (raw, row, width, out, at, step) => {
		for (let x = 0, from = row; x < width; x++, from += 3, at += step) {
			const transparent =
				raw[from] === key[0] && raw[from + 1] === key[1] && raw[from + 2] === key[2];
			out[at] = transparent ? 255 : raw[from];
			out[at + 1] = transparent ? 255 : raw[from + 1];
			out[at + 2] = transparent ? 255 : raw[from + 2];
		}
	};
}

const greyAlpha8: RowConverter = (raw, row, width, out, at, step) => {
	for (let x = 0, from = row; x < width; x++, from += 2, at += step) {
		out[at] = OVER_WHITE[(raw[from + 1] << 8) | raw[from]];
	}
};

const greyAlpha16: RowConverter = (raw, row, width, out, at, step) => {
	for (let x = 0, from = row; x < width; x++, from += 4, at += step) {
		const alpha = REDUCE_16[(raw[from + 2] << 8) | raw[from + 3]] << 8;
		out[at] = OVER_WHITE[alpha | REDUCE_16[(raw[from] << 8) | raw[from + 1]]];
	}
};

const rgba8: RowConverter = (raw, row, width, out, at, step) => {
	for (let x = 0, from = row; x < width; x++, from += 4, at += step) {
		const alpha = raw[from + 3] << 8;
		out[at] = OVER_WHITE[alpha | raw[from]];
		out[at + 1] = OVER_WHITE[alpha | raw[from + 1]];
		out[at + 2] = OVER_WHITE[alpha | raw[from + 2]];
	}
};

const rgba16: RowConverter = (raw, row, width, out, at, step) => {
	for (let x = 0, from = row; x < width; x++, from += 8, at += step) {
		const alpha = REDUCE_16[(raw[from + 6] << 8) | raw[from + 7]] << 8;
		out[at] = OVER_WHITE[alpha | REDUCE_16[(raw[from] << 8) | raw[from + 1]]];
		out[at + 1] = OVER_WHITE[alpha | REDUCE_16[(raw[from + 2] << 8) | raw[from + 3]]];
		out[at + 2] = OVER_WHITE[alpha | REDUCE_16[(raw[from + 4] << 8) | raw[from + 5]]];
	}
};
