/**
 * What part of the photo one reading shows the network, and how it is sampled: a square region
 * of the picture turned by a number of clockwise quarter turns, resampled to the network's 128 x
 * 128 input with bilinear interpolation (pixel centres aligned, edge pixels repeated up to the
 * picture's border, black beyond it), as MediaPipe's ImageToTensorCalculator does with
 * keep_aspect_ratio and a zero border, values scaled to [-1, 1]. Also maps what the network saw
 * back to the turned picture.
 */
import type { Picture } from '../photo';
import type { FeatureMap } from './tensor';

export type QuarterTurns = 0 | 1 | 2 | 3;

export interface View {
	/** How the region was chosen (the decision treats turned readings apart). */
	kind: 'whole' | 'centre' | 'tile' | 'focus';
	/** Clockwise quarter turns applied to the picture before the region is taken. */
	quarterTurns: QuarterTurns;
	/** The square region in the turned picture, in pixels (it may reach past the picture). */
	left: number;
	top: number;
	side: number;
	/** For tiles: the long side over the tile side (2 or 3). */
	zoom?: number;
}

/** 0-1 of the turned picture. */
export interface FaceBox {
	x: number;
	y: number;
	width: number;
	height: number;
}

export function turnedSize(
	picture: Pick<Picture, 'width' | 'height'>,
	quarterTurns: QuarterTurns,
): { width: number; height: number } {
	return quarterTurns % 2 === 0
		? { width: picture.width, height: picture.height }
		: { width: picture.height, height: picture.width };
}

/** The whole turned picture, letterboxed into a square (black bars on the short sides). */
export function wholeView(picture: Picture, quarterTurns: QuarterTurns): View {
	const { width, height } = turnedSize(picture, quarterTurns);
	const side = Math.max(width, height);
	return { kind: 'whole', quarterTurns, left: (width - side) / 2, top: (height - side) / 2, side };
}

/** A centred square of the upright picture, at least 1.25 times closer than the whole view. */
export function centreView(picture: Picture): View {
	const side = Math.min(
		picture.width,
		picture.height,
		0.8 * Math.max(picture.width, picture.height),
	);
	return {
		kind: 'centre',
		quarterTurns: 0,
		left: (picture.width - side) / 2,
		top: (picture.height - side) / 2,
		side,
	};
}

/**
 * A second look at a small face found in a tile: a square of the upright picture centred on it,
 * 2.5 times its size, so that the face fills about 40% of the network's input, where BlazeFace
 * short-range scores faces best.
 */
export function focusView(picture: Picture, box: FaceBox): View {
	const width = box.width * picture.width;
	const height = box.height * picture.height;
	const side = 2.5 * Math.max(width, height, 1);
	return {
		kind: 'focus',
		quarterTurns: 0,
		left: box.x * picture.width + width / 2 - side / 2,
		top: box.y * picture.height + height / 2 - side / 2,
		side,
	};
}

/** Evenly spaced starts along an axis, consecutive tiles overlapping by at least `overlap`. */
function tileStarts(length: number, side: number, overlap: number): number[] {
	if (length <= side) return [(length - side) / 2];
	const step = side * (1 - overlap);
	const count = Math.ceil((length - side) / step) + 1;
	return Array.from({ length: count }, (_, index) => ((length - side) * index) / (count - 1));
}

/**
 * Square tiles of the upright picture, each 1/zoom of its long side, overlapping by a quarter of
 * a tile: a face up to a quarter of a tile wide lies whole inside at least one tile.
 */
export function tileViews(picture: Picture, zoom: number): View[] {
	const side = Math.max(picture.width, picture.height) / zoom;
	const views: View[] = [];
	for (const top of tileStarts(picture.height, side, 0.25)) {
		for (const left of tileStarts(picture.width, side, 0.25)) {
			views.push({ kind: 'tile', quarterTurns: 0, left, top, side, zoom });
		}
	}
	return views;
}

/**
 * The view's region resampled to `size` x `size` values in [-1, 1] per channel (grey is repeated
 * in the three), written into the 3-channel map `input` with its top-left corner at (`offset`,
 * `offset`): the network's input keeps its padding around the picture.
 */
export function sampleView(
	picture: Picture,
	view: View,
	size: number,
	input: FeatureMap,
	offset = 0,
): void {
	const { width, height, channels, data } = picture;
	if (input.channels !== 3 || input.height < offset + size || input.width < offset + size) {
		throw new Error('sampleView: the map is too small');
	}
	const out = input.data;
	const plane = input.height * input.width;
	const row = input.width;
	const first = offset * row + offset;
	const scale = view.side / size;
	const turned = turnedSize(picture, view.quarterTurns);
	for (let v = 0; v < size; v++) {
		const turnedY = view.top + (v + 0.5) * scale;
		for (let u = 0; u < size; u++) {
			const turnedX = view.left + (u + 0.5) * scale;
			// Back from the turned picture to the picture as stored (continuous coordinates).
			let x: number;
			let y: number;
			switch (view.quarterTurns) {
				case 1:
					x = turnedY;
					y = turned.width - turnedX;
					break;
				case 2:
					x = width - turnedX;
					y = height - turnedY;
					break;
				case 3:
					x = width - turnedY;
					y = turnedX;
					break;
				default:
					x = turnedX;
					y = turnedY;
			}
			const at = first + v * row + u;
			if (x < 0 || y < 0 || x > width || y > height) {
				out[at] = out[plane + at] = out[2 * plane + at] = -1;
				continue;
			}
			const sampleX = Math.min(Math.max(x - 0.5, 0), width - 1);
			const sampleY = Math.min(Math.max(y - 0.5, 0), height - 1);
			const x0 = Math.floor(sampleX);
			const y0 = Math.floor(sampleY);
			const x1 = Math.min(x0 + 1, width - 1);
			const y1 = Math.min(y0 + 1, height - 1);
			const fx = sampleX - x0;
			const fy = sampleY - y0;
			const w00 = (1 - fx) * (1 - fy);
			const w01 = fx * (1 - fy);
			const w10 = (1 - fx) * fy;
			const w11 = fx * fy;
			const i00 = (y0 * width + x0) * channels;
			const i01 = (y0 * width + x1) * channels;
			const i10 = (y1 * width + x0) * channels;
			const i11 = (y1 * width + x1) * channels;
			for (let channel = 0; channel < 3; channel++) {
				const c = channels === 1 ? 0 : channel;
				const value =
					w00 * data[i00 + c] + w01 * data[i01 + c] + w10 * data[i10 + c] + w11 * data[i11 + c];
				out[channel * plane + at] = value / 127.5 - 1;
			}
		}
	}
}

/** A box in the view's input (0-1) as 0-1 of the turned picture, cut to the picture. */
export function boxInPicture(
	box: { xMin: number; yMin: number; xMax: number; yMax: number },
	view: View,
	picture: Pick<Picture, 'width' | 'height'>,
): FaceBox {
	const { width, height } = turnedSize(picture, view.quarterTurns);
	const clamp = (value: number) => Math.min(1, Math.max(0, value));
	const x0 = clamp((view.left + box.xMin * view.side) / width);
	const x1 = clamp((view.left + box.xMax * view.side) / width);
	const y0 = clamp((view.top + box.yMin * view.side) / height);
	const y1 = clamp((view.top + box.yMax * view.side) / height);
	return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}

/** A point of the view's input (0-1) in pixels of the turned picture (not cut to it). */
export function pointInPicture(x: number, y: number, view: View): { x: number; y: number } {
	return { x: view.left + x * view.side, y: view.top + y * view.side };
}
