/**
 * Shrinks a decoded photo so that its JPEG fits the API's 1 MB limit. Area averaging (each output
 * pixel is the mean of the source area it covers, partly covered source pixels weighted by the
 * covered fraction) is the downscaler that neither aliases fine texture nor blurs more than the
 * reduction itself does. It is separable: a horizontal pass per source row, then each output row
 * accumulates the few source rows it covers, so only two resampled rows are kept at a time.
 */

import { type Checkpoint, PhotoError, type Picture } from './picture';

/** Output rows produced between two checkpoints. */
const ROWS_PER_BAND = 32;

/** Which source samples one output sample covers along one axis, and with what weight. */
export interface AxisWeights {
	/** First covered source index for each output index. */
	first: Int32Array;
	/** How many source indices each output index covers. */
	count: Int32Array;
	/** `count[i]` weights for output i, from `start[i]`, each the covered fraction / scale. */
	start: Int32Array;
	weights: Float64Array;
}

/**
 * Output i covers source interval [i * scale, (i + 1) * scale) with scale = source / output >= 1;
 * source pixel j contributes the length of [j, j + 1) inside it, over scale, so weights sum to 1.
 */
export function axisWeights(sourceSize: number, outputSize: number): AxisWeights {
	const scale = sourceSize / outputSize;
	const first = new Int32Array(outputSize);
	const count = new Int32Array(outputSize);
	const start = new Int32Array(outputSize);
	const weights = new Float64Array(outputSize * (Math.ceil(scale) + 2));
	let used = 0;
	for (let i = 0; i < outputSize; i++) {
		const from = i * scale;
		const to = Math.min(sourceSize, (i + 1) * scale);
		const low = Math.floor(from);
		const high = Math.min(sourceSize, Math.ceil(to));
		first[i] = low;
		start[i] = used;
		let total = 0;
		for (let j = low; j < high; j++) {
			const covered = Math.min(to, j + 1) - Math.max(from, j);
			if (covered <= 0) continue;
			weights[used + (j - low)] = covered;
			total += covered;
		}
		const n = high - low;
		for (let k = 0; k < n; k++) weights[used + k] /= total;
		count[i] = n;
		used += n;
	}
	return { first, count, start, weights };
}

/**
 * The horizontal pass for one source row (8-bit samples from `data[rowStart]`): each output
 * sample is the weighted sum of the source samples it covers, written to `target`.
 */
export function resampleRowHorizontally(
	data: Uint8Array,
	rowStart: number,
	horizontal: AxisWeights,
	channels: number,
	target: Float32Array,
): void {
	const { first, count, start, weights } = horizontal;
	const width = first.length;
	for (let x = 0; x < width; x++) {
		const n = count[x];
		const w = start[x];
		let source = rowStart + first[x] * channels;
		if (channels === 3) {
			let r = 0;
			let g = 0;
			let b = 0;
			for (let k = 0; k < n; k++, source += 3) {
				const weight = weights[w + k];
				r += data[source] * weight;
				g += data[source + 1] * weight;
				b += data[source + 2] * weight;
			}
			target[x * 3] = r;
			target[x * 3 + 1] = g;
			target[x * 3 + 2] = b;
		} else {
			let sum = 0;
			for (let k = 0; k < n; k++, source++) sum += data[source] * weights[w + k];
			target[x] = sum;
		}
	}
}

/**
 * Shrinks to exactly width x height (each <= the source's) with area averaging (box filter over
 * the covered source area, fractional edges weighted), as a good photo downscaler does; never
 * enlarges. The same size returns the picture itself.
 */
export async function downscale(
	picture: Picture,
	width: number,
	height: number,
	checkpoint?: Checkpoint,
): Promise<Picture> {
	const { width: sourceWidth, height: sourceHeight, channels, data } = picture;
	if (
		!Number.isInteger(width) ||
		!Number.isInteger(height) ||
		width < 1 ||
		height < 1 ||
		width > sourceWidth ||
		height > sourceHeight
	) {
		throw new PhotoError(
			'unsupported',
			`Cannot downscale ${sourceWidth}x${sourceHeight} to ${width}x${height} (only shrinking is done).`,
		);
	}
	if (data.length < sourceWidth * sourceHeight * channels) {
		throw new PhotoError('corrupt', 'The picture has fewer samples than its size says.');
	}
	if (width === sourceWidth && height === sourceHeight) return picture;

	const horizontal = axisWeights(sourceWidth, width);
	const vertical = axisWeights(sourceHeight, height);
	const rowLength = width * channels;
	// The horizontally resampled source row last used (kept: the next output row may share it).
	let cached = new Float32Array(rowLength);
	let cachedIndex = -1;
	let scratch = new Float32Array(rowLength);
	const accumulator = new Float64Array(rowLength);
	const output = new Uint8Array(height * rowLength);

	const resampleRow = (sourceRow: number, target: Float32Array): void =>
		resampleRowHorizontally(data, sourceRow * sourceWidth * channels, horizontal, channels, target);

	for (let y = 0; y < height; y++) {
		accumulator.fill(0);
		const n = vertical.count[y];
		const w = vertical.start[y];
		for (let k = 0; k < n; k++) {
			const sourceRow = vertical.first[y] + k;
			let row: Float32Array;
			if (sourceRow === cachedIndex) {
				row = cached;
			} else {
				resampleRow(sourceRow, scratch);
				row = scratch;
				// Keep it: the last covered row of this output row may be the first of the next.
				[cached, scratch] = [scratch, cached];
				cachedIndex = sourceRow;
			}
			const weight = vertical.weights[w + k];
			for (let i = 0; i < rowLength; i++) accumulator[i] += row[i] * weight;
		}
		const target = y * rowLength;
		for (let i = 0; i < rowLength; i++) {
			const value = Math.round(accumulator[i]);
			output[target + i] = value < 0 ? 0 : value > 255 ? 255 : value;
		}
		if (y % ROWS_PER_BAND === ROWS_PER_BAND - 1) await checkpoint?.();
	}
	return { width, height, channels, data: output };
}
