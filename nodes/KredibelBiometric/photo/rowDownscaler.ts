/**
 * Why this file exists: a PNG can claim 50 megapixels of 16-bit RGBA (400 MB) in a 388 KB file,
 * and the node never sends more than about 2048 pixels on the long side. So a PNG is reduced
 * while it is decoded: each row, as soon as it is unfiltered, is added into the smaller picture,
 * and only the rows being summed are kept. The arithmetic is resize.ts's area average (the same
 * weights, sums in the same order), so the result is exactly what `downscale` makes of the whole
 * picture, without the whole picture ever existing.
 */

import { type AxisWeights, axisWeights, resampleRowHorizontally } from './resize';
import type { Picture } from './picture';
import type { WorkMeter } from './workMeter';

/** Output rows one source row can touch: two when shrinking (three kept for rounding slack). */
const PENDING_ROWS = 3;

export class RowDownscaler {
	private readonly output: Uint8Array;
	private readonly horizontal: AxisWeights | undefined;
	private readonly vertical: AxisWeights | undefined;
	/** The current source row resampled to the output width. */
	private readonly resampled: Float32Array;
	/** Sums of the output rows still receiving source rows, by output row modulo PENDING_ROWS. */
	private readonly sums: Float64Array[] = [];
	private sourceRow = 0;
	/** The first output row not written yet. */
	private nextOutputRow = 0;

	constructor(
		private readonly sourceWidth: number,
		private readonly sourceHeight: number,
		readonly width: number,
		readonly height: number,
		readonly channels: 1 | 3,
		private readonly meter: WorkMeter,
	) {
		const rowLength = width * channels;
		meter.reserve(width * height * channels, 'reduced picture');
		this.output = new Uint8Array(width * height * channels);
		const sameSize = width === sourceWidth && height === sourceHeight;
		this.horizontal = width === sourceWidth ? undefined : axisWeights(sourceWidth, width);
		this.vertical = height === sourceHeight ? undefined : axisWeights(sourceHeight, height);
		const rowBuffers = sameSize ? 0 : rowLength * 4 * (1 + 2 * PENDING_ROWS);
		const weights =
			(this.horizontal ? weightBytes(sourceWidth, width) : 0) +
			(this.vertical ? weightBytes(sourceHeight, height) : 0);
		meter.reserve(rowBuffers + weights, 'downscaling rows');
		this.resampled = new Float32Array(sameSize ? 0 : rowLength);
		if (!sameSize) {
			for (let index = 0; index < PENDING_ROWS; index++) {
				this.sums.push(new Float64Array(rowLength));
			}
		}
	}

	/** Adds the next source row: `sourceWidth * channels` 8-bit samples from `row[offset]`. */
	push(row: Uint8Array, offset: number): void {
		const y = this.sourceRow++;
		if (y >= this.sourceHeight) return;
		const rowLength = this.width * this.channels;
		if (this.sums.length === 0) {
			this.output.set(row.subarray(offset, offset + rowLength), y * rowLength);
			this.meter.add(rowLength);
			return;
		}
		this.resample(row, offset);
		const vertical = this.vertical;
		if (!vertical) {
			this.emit(y, this.resampled);
			this.meter.add(this.sourceWidth * this.channels + rowLength);
			return;
		}
		// Every pending output row whose source span holds y receives it with its weight.
		let touched = 0;
		for (let out = this.nextOutputRow; out < this.height && vertical.first[out] <= y; out++) {
			const k = y - vertical.first[out];
			if (k >= vertical.count[out]) continue;
			if (out - this.nextOutputRow >= PENDING_ROWS) throw new Error('RowDownscaler: scale < 1');
			const weight = vertical.weights[vertical.start[out] + k];
			const sum = this.sums[out % PENDING_ROWS];
			const resampled = this.resampled;
			for (let index = 0; index < rowLength; index++) sum[index] += resampled[index] * weight;
			touched++;
		}
		// Output rows whose last source row this was are complete.
		while (
			this.nextOutputRow < this.height &&
			vertical.first[this.nextOutputRow] + vertical.count[this.nextOutputRow] - 1 <= y
		) {
			const sum = this.sums[this.nextOutputRow % PENDING_ROWS];
			this.emit(this.nextOutputRow, sum);
			sum.fill(0);
			this.nextOutputRow++;
		}
		this.meter.add(this.sourceWidth * this.channels + (touched + 1) * rowLength);
	}

	/** The reduced picture; rows never pushed stay black. */
	finish(): Picture {
		return { width: this.width, height: this.height, channels: this.channels, data: this.output };
	}

	/** The source row at the output width (as it is when the width stays). */
	private resample(row: Uint8Array, offset: number): void {
		const target = this.resampled;
		if (this.horizontal) {
			resampleRowHorizontally(row, offset, this.horizontal, this.channels, target);
			return;
		}
		for (let index = 0; index < target.length; index++) target[index] = row[offset + index];
	}

	/** Rounds and clamps one output row of sums into the picture. */
	private emit(y: number, sums: Float32Array | Float64Array): void {
		const rowLength = this.width * this.channels;
		const output = this.output;
		const at = y * rowLength;
		for (let index = 0; index < rowLength; index++) {
			const value = Math.round(sums[index]);
			output[at + index] = value < 0 ? 0 : value > 255 ? 255 : value;
		}
	}
}

/** What axisWeights(source, output) allocates: three Int32Arrays and the Float64 weights. */
function weightBytes(sourceSize: number, outputSize: number): number {
	return outputSize * 12 + outputSize * (Math.ceil(sourceSize / outputSize) + 2) * 8;
}
