/**
 * Why this file exists: the face evaluation and the face tests build their scenes by code from a
 * few real photos (a face turned, darkened, made grey, shrunk to a webcam frame, put next to a
 * card or a second face). These are the picture operations they need, on the codec's `Picture`
 * (decoding with jpeg-js and pngjs, the dev dependencies the photo tests already use).
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

import type { Picture } from '../../nodes/KredibelBiometric/photo';

/** A JPEG or PNG as an RGB picture (alpha dropped over white). */
export function decodeImage(bytes: Uint8Array): Picture {
	const isPng = bytes[0] === 0x89 && bytes[1] === 0x50;
	const decoded = isPng
		? PNG.sync.read(Buffer.from(bytes))
		: jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
	const { width, height } = decoded;
	const rgba = decoded.data;
	const data = new Uint8Array(width * height * 3);
	for (let pixel = 0; pixel < width * height; pixel++) {
		const alpha = rgba[4 * pixel + 3] / 255;
		for (let channel = 0; channel < 3; channel++) {
			data[3 * pixel + channel] = Math.round(rgba[4 * pixel + channel] * alpha + 255 * (1 - alpha));
		}
	}
	return { width, height, channels: 3, data };
}

export function encodeJpeg(picture: Picture, quality: number): Uint8Array {
	const rgb = toRgb(picture);
	const rgba = new Uint8Array(rgb.width * rgb.height * 4);
	for (let pixel = 0; pixel < rgb.width * rgb.height; pixel++) {
		rgba.set(rgb.data.subarray(3 * pixel, 3 * pixel + 3), 4 * pixel);
		rgba[4 * pixel + 3] = 255;
	}
	return jpeg.encode({ width: rgb.width, height: rgb.height, data: rgba }, quality).data;
}

export function blank(width: number, height: number, rgb: [number, number, number]): Picture {
	const data = new Uint8Array(width * height * 3);
	for (let pixel = 0; pixel < width * height; pixel++) data.set(rgb, 3 * pixel);
	return { width, height, channels: 3, data };
}

export function toRgb(picture: Picture): Picture {
	if (picture.channels === 3) return picture;
	const data = new Uint8Array(picture.width * picture.height * 3);
	picture.data.forEach((value, pixel) => data.fill(value, 3 * pixel, 3 * pixel + 3));
	return { ...picture, channels: 3, data };
}

/** BT.601 luma, one channel. */
export function toGrey(picture: Picture): Picture {
	if (picture.channels === 1) return picture;
	const data = new Uint8Array(picture.width * picture.height);
	for (let pixel = 0; pixel < data.length; pixel++) {
		const at = 3 * pixel;
		data[pixel] = Math.round(
			0.299 * picture.data[at] + 0.587 * picture.data[at + 1] + 0.114 * picture.data[at + 2],
		);
	}
	return { width: picture.width, height: picture.height, channels: 1, data };
}

/** Every sample times `factor` (a dim room: 0.25 keeps a quarter of the light). */
export function darken(picture: Picture, factor: number): Picture {
	return { ...picture, data: picture.data.map((value) => Math.round(value * factor)) };
}

export function mirror(picture: Picture): Picture {
	const { width, height, channels } = picture;
	const data = new Uint8Array(picture.data.length);
	for (let y = 0; y < height; y++) {
		for (let x = 0; x < width; x++) {
			const from = (y * width + x) * channels;
			data.set(
				picture.data.subarray(from, from + channels),
				(y * width + width - 1 - x) * channels,
			);
		}
	}
	return { ...picture, data };
}

/** `quarterTurns` clockwise quarter turns. */
export function turnClockwise(picture: Picture, quarterTurns: number): Picture {
	let result = picture;
	for (let turn = 0; turn < ((quarterTurns % 4) + 4) % 4; turn++) {
		const { width, height, channels, data } = result;
		const turned = new Uint8Array(data.length);
		// Clockwise: the stored (x, y) lands at (height - 1 - y, x) in a height x width picture.
		for (let y = 0; y < height; y++) {
			for (let x = 0; x < width; x++) {
				const from = (y * width + x) * channels;
				turned.set(
					data.subarray(from, from + channels),
					(x * height + (height - 1 - y)) * channels,
				);
			}
		}
		result = { width: height, height: width, channels, data: turned };
	}
	return result;
}

/** Bilinear resampling (averaging 2x2 steps first when shrinking a lot, so nothing aliases). */
export function resize(picture: Picture, width: number, height: number): Picture {
	let source = picture;
	while (source.width >= 2 * width && source.height >= 2 * height) source = halve(source);
	const { channels } = source;
	const data = new Uint8Array(width * height * channels);
	for (let y = 0; y < height; y++) {
		const sy = Math.min(Math.max(((y + 0.5) * source.height) / height - 0.5, 0), source.height - 1);
		const y0 = Math.floor(sy);
		const y1 = Math.min(y0 + 1, source.height - 1);
		for (let x = 0; x < width; x++) {
			const sx = Math.min(Math.max(((x + 0.5) * source.width) / width - 0.5, 0), source.width - 1);
			const x0 = Math.floor(sx);
			const x1 = Math.min(x0 + 1, source.width - 1);
			for (let channel = 0; channel < channels; channel++) {
				const at = (row: number, column: number) =>
					source.data[(row * source.width + column) * channels + channel];
				const top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * (sx - x0);
				const bottom = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * (sx - x0);
				data[(y * width + x) * channels + channel] = Math.round(top + (bottom - top) * (sy - y0));
			}
		}
	}
	return { width, height, channels, data };
}

function halve(picture: Picture): Picture {
	const width = Math.floor(picture.width / 2);
	const height = Math.floor(picture.height / 2);
	const { channels } = picture;
	const data = new Uint8Array(width * height * channels);
	for (let y = 0; y < height; y++) {
		for (let x = 0; x < width; x++) {
			for (let channel = 0; channel < channels; channel++) {
				const at = (row: number, column: number) =>
					picture.data[(row * picture.width + column) * channels + channel];
				data[(y * width + x) * channels + channel] =
					(at(2 * y, 2 * x) +
						at(2 * y, 2 * x + 1) +
						at(2 * y + 1, 2 * x) +
						at(2 * y + 1, 2 * x + 1) +
						2) >>
					2;
			}
		}
	}
	return { width, height, channels, data };
}

/** Scales so that the long side is `longSide`. */
export function fitLongSide(picture: Picture, longSide: number): Picture {
	const scale = longSide / Math.max(picture.width, picture.height);
	return resize(
		picture,
		Math.max(1, Math.round(picture.width * scale)),
		Math.max(1, Math.round(picture.height * scale)),
	);
}

/** A region of the picture (clipped to it). */
export function crop(
	picture: Picture,
	left: number,
	top: number,
	width: number,
	height: number,
): Picture {
	const x0 = Math.max(0, Math.round(left));
	const y0 = Math.max(0, Math.round(top));
	const x1 = Math.min(picture.width, Math.round(left + width));
	const y1 = Math.min(picture.height, Math.round(top + height));
	const { channels } = picture;
	const data = new Uint8Array((x1 - x0) * (y1 - y0) * channels);
	for (let y = y0; y < y1; y++) {
		data.set(
			picture.data.subarray(
				(y * picture.width + x0) * channels,
				(y * picture.width + x1) * channels,
			),
			(y - y0) * (x1 - x0) * channels,
		);
	}
	return { width: x1 - x0, height: y1 - y0, channels, data };
}

/** Draws `picture` onto `canvas` (both RGB) at (left, top), blended with `opacity`. */
export function paste(
	canvas: Picture,
	picture: Picture,
	left: number,
	top: number,
	opacity = 1,
): void {
	const source = toRgb(picture);
	for (let y = 0; y < source.height; y++) {
		const canvasY = Math.round(top) + y;
		if (canvasY < 0 || canvasY >= canvas.height) continue;
		for (let x = 0; x < source.width; x++) {
			const canvasX = Math.round(left) + x;
			if (canvasX < 0 || canvasX >= canvas.width) continue;
			for (let channel = 0; channel < 3; channel++) {
				const at = (canvasY * canvas.width + canvasX) * 3 + channel;
				const value = source.data[(y * source.width + x) * 3 + channel];
				canvas.data[at] = Math.round(canvas.data[at] * (1 - opacity) + value * opacity);
			}
		}
	}
}

/** Deterministic noise in [0, 1) (Park-Miller). */
export function noise(seed: number): () => number {
	let state = seed;
	return () => {
		state = (state * 16807) % 2147483647;
		return state / 2147483647;
	};
}
