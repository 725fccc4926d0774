/**
 * Why this file exists: it is the JPEG decoder's entry point. It walks the marker segments
 * (T.81 B.2: tables, frame, scans), sizes and allocates everything only after checking the
 * header against the limits, has each scan decoded (jpegScan.ts), and turns the component planes
 * into an RGB or grey Picture (upsample.ts, colour.ts). It can decode at 1/2, 1/4 or 1/8 scale
 * directly from the coefficients, which is how a 12 MP phone photo is shrunk cheaply.
 *
 * Choices, following libjpeg (djpeg) so results can be compared with it:
 * - output size is ceil(width / scale) x ceil(height / scale);
 * - at reduced scales a subsampled component gets a larger IDCT instead of upsampling when the
 *   ratios allow (libjpeg's jdmaster.c does the same), so 4:2:0 at 1/2 needs no upsampling;
 * - truncated or damaged entropy data does not fail: what could not be decoded is mid-grey (or
 *   keeps the last refinement it got, for progressive files), as libjpeg does with a warning.
 *   A file with no scan data at all, or a broken marker segment, is PhotoError('corrupt');
 * - every other failure is a PhotoError; an unexpected internal exception is reported as corrupt.
 */

import { type CmykToRgb, cmykInkRow, naiveCmykToRgb, rgbRow, ycbcrToRgbRow } from './colour';
import type { HuffmanTable } from './huffman';
import { inverseDctForSize } from './idct';
import {
	checkJpegStart,
	corrupt,
	findMarker,
	isUnsupportedFrameMarker,
	type JpegFrame,
	MARKER_APP14,
	MARKER_DHT,
	MARKER_DQT,
	MARKER_DRI,
	MARKER_EOI,
	MARKER_SOF0,
	MARKER_SOF1,
	MARKER_SOF2,
	MARKER_SOI,
	MARKER_SOS,
	parseAdobeTransform,
	parseFrame,
	parseHuffmanTables,
	parseQuantTables,
	parseScanHeader,
	segmentLength,
} from './jpegHeader';
import { type ComponentDecodeState, decodeScan } from './jpegScan';
import { type Checkpoint, MAX_INPUT_PIXELS, type Picture, PhotoError } from './picture';
import { chooseUpsampling, type ComponentPlane, upsampleRow } from './upsample';

export type { JpegInfo } from './jpegHeader';
export { readJpegInfo } from './jpegHeader';

/** The denominator of the output scale: 1 = full size, 8 = one pixel per 8x8 block. */
export type JpegScale = 1 | 2 | 4 | 8;

export interface JpegDecodeOptions {
	scale: JpegScale;
	/** Width x height above which the file is refused as too_large (default MAX_INPUT_PIXELS). */
	maxPixels?: number;
	checkpoint?: Checkpoint;
	/** How four-component (CMYK, YCCK) pictures become RGB: an ICC profile's converter, else naive. */
	cmykToRgb?: CmykToRgb;
}

const MARKER_APP0 = 0xe0;
const ZERO_QUANT = new Int32Array(64);

/**
 * Decodes a baseline, extended-sequential or progressive Huffman JPEG (8-bit) to RGB (or grey for
 * one-component files). Output size is ceil(width/scale) x ceil(height/scale), like libjpeg's
 * scaled output. Throws PhotoError only.
 */
export async function decodeJpeg(bytes: Uint8Array, options: JpegDecodeOptions): Promise<Picture> {
	let callerError: unknown = undefined;
	const checkpoint = options.checkpoint;
	const guardedCheckpoint: Checkpoint | undefined = checkpoint
		? async () => {
				callerError = undefined;
				// A synchronous throw becomes a rejection too.
				await new Promise<void>((resolve) => resolve(checkpoint())).catch((error: unknown) => {
					callerError = error ?? new Error('checkpoint failed');
					return Promise.reject(callerError);
				});
			}
		: undefined;
	let failure: unknown;
	try {
		return await decode(bytes, options, guardedCheckpoint);
	} catch (error) {
		failure = error;
	}
	throw callerError !== undefined && failure === callerError ? failure : asPhotoError(failure);
}

/** Anything thrown while decoding, as the PhotoError the caller is promised. */
function asPhotoError(error: unknown): PhotoError {
	if (error instanceof PhotoError) return error;
	if (error instanceof RangeError && /allocation|array length/i.test(error.message)) {
		return new PhotoError('too_large', 'JPEG needs more memory than is available');
	}
	const message = error instanceof Error ? error.message : String(error);
	return new PhotoError('corrupt', `JPEG could not be decoded: ${message}`);
}

interface DecoderState {
	frame: JpegFrame;
	components: ComponentDecodeState[];
	planes: ComponentPlane[];
	/** null until the first scan decides between streaming and keeping coefficients. */
	streaming: boolean | null;
}

async function decode(
	bytes: Uint8Array,
	options: JpegDecodeOptions,
	checkpoint: Checkpoint | undefined,
): Promise<Picture> {
	const scale = options.scale;
	if (scale !== 1 && scale !== 2 && scale !== 4 && scale !== 8) {
		throw new PhotoError('unsupported', `JPEG scale 1/${String(scale)} is not one of 1, 2, 4, 8`);
	}
	const maxPixels = options.maxPixels ?? MAX_INPUT_PIXELS;
	checkJpegStart(bytes);

	const quantTables: Array<Int32Array | null> = [null, null, null, null];
	const dcTables: Array<HuffmanTable | null> = [null, null, null, null];
	const acTables: Array<HuffmanTable | null> = [null, null, null, null];
	let restartInterval = 0;
	let adobeTransform: number | null = null;
	let jfif = false;
	let decoder: DecoderState | null = null;
	let scans = 0;

	let pos = 2;
	for (;;) {
		const markerPos = findMarker(bytes, pos);
		if (markerPos < 0) break; // no EOI: a truncated file, decoded as far as it goes
		const marker = bytes[markerPos];
		if (marker === MARKER_EOI) break;
		if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01 || marker === MARKER_SOI) {
			pos = markerPos + 1; // stray RSTn / TEM / SOI carry no segment (B.1.1.3)
			continue;
		}
		if (isUnsupportedFrameMarker(marker)) {
			throw new PhotoError('unsupported', `JPEG frame type 0x${marker.toString(16)}`);
		}
		const length = segmentLength(bytes, markerPos + 1);
		const start = markerPos + 3;
		const end = markerPos + 1 + length;
		pos = end;
		switch (marker) {
			case MARKER_SOF0:
			case MARKER_SOF1:
			case MARKER_SOF2:
				if (decoder) throw corrupt('JPEG has two frame headers');
				decoder = prepareFrame(parseFrame(bytes, marker, start, end, maxPixels), scale);
				break;
			case MARKER_DHT:
				parseHuffmanTables(bytes, start, end, dcTables, acTables);
				break;
			case MARKER_DQT:
				parseQuantTables(bytes, start, end, quantTables);
				break;
			case MARKER_DRI:
				if (length !== 4) throw corrupt('JPEG DRI segment length');
				restartInterval = (bytes[start] << 8) | bytes[start + 1];
				break;
			case MARKER_APP0:
				if (length >= 7 && String.fromCharCode(...bytes.subarray(start, start + 5)) === 'JFIF\0') {
					jfif = true;
				}
				break;
			case MARKER_APP14:
				adobeTransform = parseAdobeTransform(bytes, start, end) ?? adobeTransform;
				break;
			case MARKER_SOS: {
				if (!decoder) throw corrupt('JPEG scan before the frame header');
				const scan = parseScanHeader(bytes, start, end, decoder.frame);
				if (decoder.streaming === null) {
					decoder.streaming =
						!decoder.frame.progressive &&
						scan.components.length === decoder.frame.components.length;
					allocateScanStorage(decoder);
				} else if (decoder.streaming) {
					break; // a single-scan sequential frame is complete; skip what follows
				}
				for (const index of scan.components.map((c) => c.componentIndex)) {
					const state = decoder.components[index];
					if (!state.quant) {
						const table = quantTables[decoder.frame.components[index].quantTableIndex];
						if (!table) throw corrupt('JPEG scan uses an undefined quantisation table');
						state.quant = table.slice();
					}
				}
				pos = await decodeScan(
					bytes,
					end,
					decoder.frame,
					decoder.components,
					scan,
					dcTables,
					acTables,
					restartInterval,
					decoder.streaming,
					checkpoint,
				);
				scans++;
				break;
			}
			default:
				break; // APPn, COM and the rest carry nothing the decoder needs
		}
	}
	if (!decoder) throw corrupt('JPEG has no frame header');
	if (scans === 0) throw corrupt('JPEG has no image data');
	if (!decoder.streaming) await inverseTransformAll(decoder, checkpoint);
	return await toPicture(decoder, scale, adobeTransform, jfif, checkpoint, options.cmykToRgb);
}

/**
 * Sizes each component at the output scale. The IDCT size is 8/scale, doubled for subsampled
 * components while both their ratios allow (libjpeg jdmaster.c), then upsampling makes up the
 * rest; a ratio that is not a whole number is refused.
 */
function prepareFrame(frame: JpegFrame, scale: JpegScale): DecoderState {
	const lumaBlockSize = 8 / scale;
	const maxH = frame.maxHorizontalSampling;
	const maxV = frame.maxVerticalSampling;
	const components: ComponentDecodeState[] = [];
	const planes: ComponentPlane[] = [];
	for (const component of frame.components) {
		const h = component.horizontalSampling;
		const v = component.verticalSampling;
		let blockSize = lumaBlockSize;
		while (
			blockSize < 8 &&
			(maxH * lumaBlockSize) % (h * blockSize * 2) === 0 &&
			(maxV * lumaBlockSize) % (v * blockSize * 2) === 0
		) {
			blockSize *= 2;
		}
		if (
			(maxH * lumaBlockSize) % (h * blockSize) !== 0 ||
			(maxV * lumaBlockSize) % (v * blockSize) !== 0
		) {
			throw new PhotoError('unsupported', 'JPEG sampling factors that are not whole ratios');
		}
		const paddedBlocksPerLine = frame.mcusPerLine * h;
		const planeStride = paddedBlocksPerLine * blockSize;
		const state: ComponentDecodeState = {
			horizontalSampling: h,
			verticalSampling: v,
			blocksPerLine: Math.ceil(Math.ceil((frame.width * h) / maxH) / 8),
			blocksPerColumn: Math.ceil(Math.ceil((frame.height * v) / maxV) / 8),
			paddedBlocksPerLine,
			coefficients: null,
			plane: new Uint8ClampedArray(0),
			planeStride,
			blockSize,
			idct: inverseDctForSize(blockSize),
			quant: null,
			dcPredictor: 0,
		};
		const horizontalFactor = (maxH * lumaBlockSize) / (h * blockSize);
		const verticalFactor = (maxV * lumaBlockSize) / (v * blockSize);
		const width = Math.ceil((frame.width * h * blockSize) / (maxH * 8));
		components.push(state);
		planes.push({
			samples: state.plane,
			stride: planeStride,
			width,
			height: Math.ceil((frame.height * v * blockSize) / (maxV * 8)),
			horizontalFactor,
			verticalFactor,
			kind: chooseUpsampling(horizontalFactor, verticalFactor, width, lumaBlockSize > 1),
		});
	}
	return { frame, components, planes, streaming: null };
}

/** Allocates the planes, and the coefficient buffers unless the frame is decoded streaming. */
function allocateScanStorage(decoder: DecoderState): void {
	const { frame } = decoder;
	decoder.components.forEach((state, index) => {
		const paddedBlocksPerColumn = frame.mcusPerColumn * state.verticalSampling;
		const plane = new Uint8ClampedArray(
			state.planeStride * paddedBlocksPerColumn * state.blockSize,
		);
		if (decoder.streaming) {
			plane.fill(128); // what blocks lost to damaged data show, as an all-zero block would
		} else {
			state.coefficients = new Int16Array(state.paddedBlocksPerLine * paddedBlocksPerColumn * 64);
		}
		state.plane = plane;
		decoder.planes[index].samples = plane;
	});
}

/** Inverse DCT of every block holding picture data, for frames whose coefficients were kept. */
async function inverseTransformAll(decoder: DecoderState, checkpoint?: Checkpoint): Promise<void> {
	for (const state of decoder.components) {
		const coefficients = state.coefficients as Int16Array;
		const quant = state.quant ?? ZERO_QUANT;
		const size = state.blockSize;
		const stride = state.planeStride;
		for (let row = 0; row < state.blocksPerColumn; row++) {
			for (let column = 0; column < state.blocksPerLine; column++) {
				state.idct(
					coefficients,
					(row * state.paddedBlocksPerLine + column) * 64,
					quant,
					state.plane,
					(row * stride + column) * size,
					stride,
				);
			}
			if ((row & 7) === 7) await checkpoint?.();
		}
		state.coefficients = null; // let the memory go before the output is allocated
	}
}

/** Upsamples and converts the planes, row by row, into the output picture. */
async function toPicture(
	decoder: DecoderState,
	scale: JpegScale,
	adobeTransform: number | null,
	jfif: boolean,
	checkpoint?: Checkpoint,
	cmykToRgb: CmykToRgb = naiveCmykToRgb,
): Promise<Picture> {
	const { frame, planes } = decoder;
	const width = Math.ceil(frame.width / scale);
	const height = Math.ceil(frame.height / scale);
	const count = planes.length;
	const channels = count === 1 ? 1 : 3;
	const output = new Uint8ClampedArray(width * height * channels);
	const rowBuffers = planes.map((plane) =>
		plane.kind === 'none'
			? plane.samples
			: new Uint8ClampedArray(plane.width * plane.horizontalFactor + 8),
	);
	const rows: Uint8ClampedArray[] = rowBuffers.slice();
	const offsets: number[] = new Array<number>(count).fill(0);
	// How libjpeg guesses the colour space (jdapimin.c default_decompress_parms).
	const ids = frame.components.map((c) => c.id);
	const rgb =
		count === 3 &&
		(adobeTransform !== null
			? adobeTransform === 0
			: !jfif && ids[0] === 0x52 && ids[1] === 0x47 && ids[2] === 0x42);
	const ycck = count === 4 && adobeTransform === 2;
	const ink = new Uint8Array(count === 4 ? width * 4 : 0);
	for (let y = 0; y < height; y++) {
		for (let c = 0; c < count; c++) {
			const plane = planes[c];
			if (plane.kind === 'none') {
				offsets[c] = y * plane.stride;
			} else {
				upsampleRow(plane, y, rowBuffers[c]);
				offsets[c] = 0;
			}
		}
		const o = y * width * channels;
		if (count === 1) {
			output.set(rows[0].subarray(offsets[0], offsets[0] + width), o);
		} else if (count === 3) {
			const convert = rgb ? rgbRow : ycbcrToRgbRow;
			convert(rows[0], offsets[0], rows[1], offsets[1], rows[2], offsets[2], output, o, width);
		} else {
			cmykInkRow(rows, offsets, ycck, adobeTransform !== null, ink, width);
			cmykToRgb(ink, output, o, width);
		}
		if ((y & 63) === 63) await checkpoint?.();
	}
	return {
		width,
		height,
		channels,
		data: new Uint8Array(output.buffer, output.byteOffset, output.length),
	};
}
