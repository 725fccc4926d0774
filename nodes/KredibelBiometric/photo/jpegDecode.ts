/**
 * Why this file exists: it is the JPEG decoder's entry point. It carries on from the header
 * (jpegHeader.ts) with the same segment reader, parses tables as they come, checks that the scans
 * make a consistent progression, has each scan decoded (jpegScan.ts), and turns the component
 * planes into a grey, RGB (or, when asked, CMYK) Picture (upsample.ts, colour.ts). It can decode at
 * 1/2, 1/4 or 1/8 scale directly from the coefficients, which is how a large photo is shrunk
 * cheaply, and it picks a smaller scale than asked when the asked one would not fit the memory
 * budget (budget.ts).
 *
 * Choices, following libjpeg (djpeg) so results can be compared with it:
 * - output size is ceil(width / scale) x ceil(height / scale);
 * - at reduced scales a subsampled component gets a larger IDCT instead of upsampling when the
 *   ratios allow (libjpeg's jdmaster.c does the same), so 4:2:0 at 1/2 needs no upsampling;
 * - truncated or damaged entropy data does not fail here: what could not be decoded is mid-grey
 *   (or keeps the last refinement it got), and `damage` says how much of the picture that is and
 *   what else was wrong, for the caller's policy (preparePhoto.ts);
 * - a progression that repeats or contradicts itself (T.81 G.1.1.1.1; libjpeg's "Inconsistent
 *   progression sequence") or has more than MAX_SCANS scans (libjpeg-turbo's scan limit) is
 *   refused as corrupt: such a file only burns CPU;
 * - a DNL marker is accepted and ignored when the frame header already gives the height;
 * - every other failure is a PhotoError; an unexpected internal exception is reported as corrupt.
 */

import { PhotoBudget } from './budget';
import { cmykRow, naiveCmykToRgb, rgbRow, storedCmykRowToRgb, ycbcrToRgbRow } from './colour';
import type { HuffmanTable } from './huffman';
import { inverseDctForSize } from './idct';
import {
	type JpegFrame,
	type JpegHeader,
	type JpegInfo,
	parseHuffmanTables,
	parseQuantTables,
	parseScanHeader,
	readJpegHeaderPaced,
	type ScanHeader,
} from './jpegHeader';
import {
	type ComponentDecodeState,
	decodeScan,
	greyRest,
	idctUnits,
	type ScanOutcome,
} from './jpegScan';
import {
	DHT,
	DNL,
	DQT,
	DRI,
	EOI,
	isStandalone,
	type JpegSegment,
	JpegSegmentReader,
	SOF0,
	SOF1,
	SOF2,
	SOI,
	SOS,
	unsupportedFrame,
} from './jpegSegments';
import { type Checkpoint, corrupt, MAX_INPUT_PIXELS, PhotoError, type Picture } from './picture';
import { chooseUpsampling, type ComponentPlane, upsampleRow } from './upsample';

export type { JpegInfo } from './jpegHeader';
export { readJpegInfo } from './jpegHeader';

/** The denominator of the output scale: 1 = full size, 8 = one pixel per 8x8 block. */
export type JpegScale = 1 | 2 | 4 | 8;

/** libjpeg-turbo refuses files above a scan limit (TJPARAM_SCANLIMIT); real photos have up to ~20. */
const MAX_SCANS = 100;

/** Huffman and quantisation tables one file may define: a photo defines a few per scan. */
const MAX_TABLE_DEFINITIONS = 1024;

/** Work units (budget.ts) for building one table: a DHT's 512-entry lookahead fill dominates. */
const TABLE_UNITS = 8;

export interface JpegDecodeOptions {
	/** The largest output wanted; a smaller one (larger denominator) is used when memory requires. */
	scale: JpegScale;
	/** Width x height above which the file is refused as too_large (default MAX_INPUT_PIXELS). */
	maxPixels?: number;
	checkpoint?: Checkpoint;
	/** Shared with the rest of the photo's preparation; a fresh one (default limits) if absent. */
	budget?: PhotoBudget;
	/**
	 * Four-component files come out as 4-channel CMYK (see Picture), for colour management
	 * (colourTransform.ts), instead of converted to RGB by the naive model.
	 */
	keepCmyk?: boolean;
	/**
	 * A file of which more than this share of the picture got no data is refused as corrupt
	 * ("damaged") before any picture is made; absent: always decoded as far as it goes.
	 */
	refuseLostAbove?: number;
}

/** What went wrong in a file that still decoded, for the caller's policy. */
export interface JpegDamage {
	/** Fraction (0-1) of the picture no data reached: truncation, damaged intervals, missing scans. */
	lostFraction: number;
	/** libjpeg's warnings, in words: extraneous bytes, damaged data, premature end ... */
	problems: string[];
}

/** One scan as the file holds it: its SOS segment and where its entropy-coded data ends. */
export interface JpegScanRange {
	sos: JpegSegment;
	dataEnd: number;
}

/** Everything a decode learned: the picture, and the file's structure for a metadata-only copy. */
export interface JpegReading {
	picture: Picture;
	/** The scale actually used (at least the one asked for). */
	scale: JpegScale;
	header: JpegHeader;
	/** Every segment after SOI in file order, header and between-scan ones, SOS included. */
	segments: JpegSegment[];
	scans: JpegScanRange[];
	damage: JpegDamage;
	/** Bytes after EOI (phones append other pictures and videos there): not picture data. */
	trailingBytes: number;
	/** Bytes the picture holds in the budget (released by whoever drops it). */
	pictureBytes: number;
}

/**
 * Decodes a baseline, extended-sequential or progressive Huffman JPEG (8-bit) to RGB (or grey for
 * one-component files). Throws PhotoError only.
 */
export async function decodeJpeg(bytes: Uint8Array, options: JpegDecodeOptions): Promise<Picture> {
	return (await readJpeg(bytes, options)).picture;
}

/** As decodeJpeg, with the structure and damage report; `header` when already read. */
export async function readJpeg(
	bytes: Uint8Array,
	options: JpegDecodeOptions,
	header?: JpegHeader,
): Promise<JpegReading> {
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
	const budget = options.budget ?? new PhotoBudget(guardedCheckpoint);
	let failure: unknown;
	try {
		return await decode(bytes, options, budget, header);
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
	scale: JpegScale;
	components: ComponentDecodeState[];
	planes: ComponentPlane[];
	streaming: boolean;
	/** Bytes claimed for coefficients and planes. */
	coefficientBytes: number;
	planeBytes: number;
}

/** Per component: the fraction of its area no data reached, and what it has had so far. */
interface Progression {
	lost: Float64Array;
	/** Sequential: whether each component's scan has been read. */
	coded: Uint8Array;
	/** Progressive: per component and coefficient, the Al of its last scan (-1: none yet). */
	coefficientBits: Int8Array;
}

async function decode(
	bytes: Uint8Array,
	options: JpegDecodeOptions,
	budget: PhotoBudget,
	knownHeader: JpegHeader | undefined,
): Promise<JpegReading> {
	const preferred = options.scale;
	if (preferred !== 1 && preferred !== 2 && preferred !== 4 && preferred !== 8) {
		throw new PhotoError(
			'unsupported',
			`JPEG scale 1/${String(preferred)} is not one of 1, 2, 4, 8`,
		);
	}
	const header =
		knownHeader ??
		(await readJpegHeaderPaced(bytes, budget, options.maxPixels ?? MAX_INPUT_PIXELS));
	const { frame } = header;
	const firstScan = header.segments[header.segments.length - 1];
	const reader = new JpegSegmentReader(bytes, budget, firstScan.end);
	const quantTables: Array<Int32Array | null> = [null, null, null, null];
	const dcTables: Array<HuffmanTable | null> = [null, null, null, null];
	const acTables: Array<HuffmanTable | null> = [null, null, null, null];
	let restartInterval = 0;
	let decoder: DecoderState | null = null;
	const segments: JpegSegment[] = [];
	const scans: JpegScanRange[] = [];
	const problems = new Set<string>();
	const count = frame.components.length;
	const progression: Progression = {
		lost: new Float64Array(count),
		coded: new Uint8Array(count),
		coefficientBits: new Int8Array(count * 64).fill(-1),
	};
	let endOfImage = false;
	/** Where a streaming scan's data ended early: the rest is made grey once it is kept. */
	let greyFrom: { scan: ScanHeader; unit: number } | null = null;

	let tableDefinitions = 0;
	const onTable = (): void => {
		budget.spend(TABLE_UNITS);
		if (++tableDefinitions > MAX_TABLE_DEFINITIONS) {
			throw corrupt(
				`The JPEG defines more than ${MAX_TABLE_DEFINITIONS} tables; a photo defines a few per scan`,
			);
		}
	};
	/** Tables, restart interval and the rest of a non-scan segment. */
	const takeSegment = (segment: JpegSegment): void => {
		const { marker, start, end } = segment;
		if (marker === DHT) parseHuffmanTables(bytes, start, end, dcTables, acTables, onTable);
		else if (marker === DQT) parseQuantTables(bytes, start, end, quantTables, onTable);
		else if (marker === DRI) {
			if (end - start !== 2) throw corrupt('JPEG DRI segment length');
			restartInterval = (bytes[start] << 8) | bytes[start + 1];
		} else if (marker === DNL && end - start !== 2) {
			throw corrupt('JPEG DNL segment length');
		}
	};

	let pending: JpegSegment | null = null;
	for (const segment of header.segments) {
		segments.push(segment);
		if (segment.marker === SOS) pending = segment;
		else takeSegment(segment);
		await budget.pace();
	}
	while (pending) {
		const sos: JpegSegment = pending;
		pending = null;
		if (scans.length >= MAX_SCANS) {
			throw corrupt(`The JPEG has more than ${MAX_SCANS} scans; a photo has at most about 20`);
		}
		const scan = parseScanHeader(bytes, sos.start, sos.end, frame);
		if (!decoder) {
			const streaming = !frame.progressive && scan.components.length === count;
			decoder = await startFrame(frame, preferred, streaming, options.keepCmyk === true, budget);
			// At least every block visited once and every byte after here read once.
			budget.ensureAffordable(
				decoder.components.reduce(
					(blocks, state) => blocks + state.blocksPerLine * state.blocksPerColumn,
					0,
				) +
					(bytes.length - sos.end),
				`${frame.width}x${frame.height} pixels in ${Math.round(bytes.length / 1024)} KB`,
			);
		}
		if (!followsProgression(frame, scan, progression)) {
			if (frame.progressive) {
				throw corrupt(
					'The JPEG scans repeat or contradict each other (inconsistent progression sequence)',
				);
			}
			problems.add('a scan after the picture was complete');
			break;
		}
		for (const index of scan.components.map((c) => c.componentIndex)) {
			const state = decoder.components[index];
			if (!state.quant) {
				const table = quantTables[frame.components[index].quantTableIndex];
				if (!table) throw corrupt('JPEG scan uses an undefined quantisation table');
				state.quant = table.slice();
			}
		}
		const outcome = await decodeScan(
			bytes,
			sos.end,
			frame,
			decoder.components,
			scan,
			dcTables,
			acTables,
			restartInterval,
			decoder.streaming,
			budget,
		);
		scans.push({ sos, dataEnd: outcome.end });
		if (decoder.streaming && outcome.endedAt < outcome.units) {
			greyFrom = { scan, unit: outcome.endedAt };
		}
		noteScan(scan, outcome, frame, progression, problems);
		reader.position = outcome.end;
		// Segments up to the next scan, or the end.
		for (;;) {
			const segment = await reader.nextPaced();
			if (!segment) {
				problems.add(reader.cut ? 'a segment cut off by the end of the file' : 'no end marker');
				break;
			}
			const marker = segment.marker;
			if (marker === EOI) {
				endOfImage = true;
				break;
			}
			if (marker === SOI) {
				problems.add('a second image inside the file');
				break;
			}
			if (isStandalone(marker)) continue; // stray RSTn or TEM
			const unsupported = unsupportedFrame(marker);
			if (unsupported) throw unsupported;
			if (marker === SOF0 || marker === SOF1 || marker === SOF2) {
				throw corrupt('The JPEG has two frame headers');
			}
			segments.push(segment);
			if (marker === SOS) {
				pending = segment;
				break;
			}
			takeSegment(segment);
		}
	}
	if (!decoder) throw corrupt('JPEG has no image data');
	if (reader.strayBytes + header.strayBytes > 0) problems.add('stray bytes between segments');
	const lostFraction = missingFraction(frame, progression);
	if (options.refuseLostAbove !== undefined && lostFraction > options.refuseLostAbove) {
		throw corrupt(
			`${Math.round(lostFraction * 100)}% of the picture is missing (${[...problems].join(', ')})`,
		);
	}
	if (greyFrom) await greyRest(frame, decoder.components, greyFrom.scan, greyFrom.unit, budget);
	if (!decoder.streaming) await inverseTransformAll(decoder, budget);
	const { picture, pictureBytes } = await toPicture(
		decoder,
		header,
		options.keepCmyk === true,
		budget,
	);
	budget.finish();
	return {
		picture,
		scale: decoder.scale,
		header,
		segments,
		scans,
		damage: { lostFraction, problems: [...problems] },
		trailingBytes: endOfImage ? bytes.length - reader.position : 0,
		pictureBytes,
	};
}

/**
 * Checks a scan against what came before (T.81 G.1.1.1.1): a sequential component is coded once;
 * a progressive AC band needs its component's DC first; a first pass (Ah = 0) only over
 * coefficients never coded; a refinement (Ah > 0) only over coefficients whose last Al was Ah.
 * Records the scan when it fits.
 */
function followsProgression(frame: JpegFrame, scan: ScanHeader, progression: Progression): boolean {
	if (!frame.progressive) {
		if (scan.components.some((c) => progression.coded[c.componentIndex] === 1)) return false;
		for (const c of scan.components) progression.coded[c.componentIndex] = 1;
		return true;
	}
	const bits = progression.coefficientBits;
	const { spectralStart, spectralEnd, approximationHigh, approximationLow } = scan;
	for (const c of scan.components) {
		const base = c.componentIndex * 64;
		if (spectralStart > 0 && bits[base] < 0) return false;
		for (let k = spectralStart; k <= spectralEnd; k++) {
			const last = bits[base + k];
			if (approximationHigh === 0 ? last !== -1 : last !== approximationHigh) return false;
		}
	}
	for (const c of scan.components) {
		bits.fill(
			approximationLow,
			c.componentIndex * 64 + spectralStart,
			c.componentIndex * 64 + spectralEnd + 1,
		);
	}
	return true;
}

/** Records what a scan lost: first passes leave holes, refinements only lose precision. */
function noteScan(
	scan: ScanHeader,
	outcome: ScanOutcome,
	frame: JpegFrame,
	progression: Progression,
	problems: Set<string>,
): void {
	if (outcome.discardedBytes > 0 || outcome.badUnits > 0) problems.add('damaged picture data');
	if (outcome.lostUnits === 0) return;
	problems.add('picture data missing');
	if (frame.progressive && scan.approximationHigh !== 0) return;
	const fraction = outcome.lostUnits / outcome.units;
	for (const c of scan.components) {
		progression.lost[c.componentIndex] = Math.max(progression.lost[c.componentIndex], fraction);
	}
}

/**
 * The largest share of any component's area that no data reached (never coded counts whole). A
 * progressive photo whose first component never got its first AC coefficient is counted whole
 * too: it is an 8x blurred picture (a file cut after its DC scan).
 */
function missingFraction(frame: JpegFrame, progression: Progression): number {
	if (frame.progressive && progression.coefficientBits[1] < 0) return 1;
	let missing = 0;
	for (let c = 0; c < frame.components.length; c++) {
		const coded = frame.progressive
			? progression.coefficientBits[c * 64] >= 0
			: progression.coded[c] === 1;
		missing = Math.max(missing, coded ? progression.lost[c] : 1);
	}
	return missing;
}

/**
 * At the first scan: picks the scale (the one asked for, or smaller output while the memory for
 * coefficients, planes and the picture would not fit the budget) and allocates.
 */
async function startFrame(
	frame: JpegFrame,
	preferred: JpegScale,
	streaming: boolean,
	keepCmyk: boolean,
	budget: PhotoBudget,
): Promise<DecoderState> {
	const channels =
		frame.components.length === 1 ? 1 : keepCmyk && frame.components.length === 4 ? 4 : 3;
	for (const scale of [1, 2, 4, 8] as JpegScale[]) {
		if (scale < preferred) continue;
		const decoder = prepareFrame(frame, scale, streaming);
		const pictureBytes =
			Math.ceil(frame.width / scale) * Math.ceil(frame.height / scale) * channels;
		const peak = Math.max(
			decoder.coefficientBytes + decoder.planeBytes,
			decoder.planeBytes + pictureBytes,
		);
		if (!budget.canClaim(peak)) continue;
		budget.claim(decoder.coefficientBytes + decoder.planeBytes, 'JPEG coefficients and planes');
		allocateScanStorage(decoder);
		await budget.callCheckpoint(); // between stages: a cancelled execution stops here
		return decoder;
	}
	// Even one sample per block does not fit: claim the smallest plan so the refusal says how much.
	const smallest = prepareFrame(frame, 8, streaming);
	budget.claim(smallest.coefficientBytes + smallest.planeBytes, 'JPEG coefficients and planes');
	throw new PhotoError(
		'too_large',
		'The JPEG needs more memory than the node allows for one photo',
	);
}

/** Coefficients each IDCT size reads (idct.ts): the natural indices whose row and column are in these. */
const ROWS_READ: Record<number, number[]> = {
	8: [0, 1, 2, 3, 4, 5, 6, 7],
	4: [0, 1, 2, 3, 5, 6, 7],
	2: [0, 1, 3, 5, 7],
	1: [0],
};

function slotsForSize(size: number): { slots: Int8Array; kept: number } {
	const slots = new Int8Array(64).fill(-1);
	const read = ROWS_READ[size];
	let kept = 0;
	for (const row of read) for (const column of read) slots[row * 8 + column] = kept++;
	return { slots, kept };
}

/**
 * Sizes each component at the output scale. The IDCT size is 8/scale, doubled for subsampled
 * components while both their ratios allow (libjpeg jdmaster.c), then upsampling makes up the
 * rest; a ratio that is not a whole number is refused.
 */
function prepareFrame(frame: JpegFrame, scale: JpegScale, streaming: boolean): DecoderState {
	const lumaBlockSize = 8 / scale;
	const maxH = frame.maxHorizontalSampling;
	const maxV = frame.maxVerticalSampling;
	const components: ComponentDecodeState[] = [];
	const planes: ComponentPlane[] = [];
	let coefficientBytes = 0;
	let planeBytes = 0;
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
		const paddedBlocks = paddedBlocksPerLine * frame.mcusPerColumn * v;
		const planeStride = paddedBlocksPerLine * blockSize;
		const { slots, kept } = slotsForSize(blockSize);
		planeBytes += planeStride * frame.mcusPerColumn * v * blockSize;
		if (!streaming) {
			coefficientBytes += paddedBlocks * kept * 2;
			if (frame.progressive) coefficientBytes += paddedBlocks * 8;
		}
		const state: ComponentDecodeState = {
			horizontalSampling: h,
			verticalSampling: v,
			blocksPerLine: Math.ceil(Math.ceil((frame.width * h) / maxH) / 8),
			blocksPerColumn: Math.ceil(Math.ceil((frame.height * v) / maxV) / 8),
			paddedBlocksPerLine,
			coefficients: null,
			kept,
			slots,
			nonZero: null,
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
	return { frame, scale, components, planes, streaming, coefficientBytes, planeBytes };
}

/** Allocates the planes, and the coefficient buffers unless the frame is decoded streaming. */
function allocateScanStorage(decoder: DecoderState): void {
	const { frame } = decoder;
	decoder.components.forEach((state, index) => {
		const paddedBlocksPerColumn = frame.mcusPerColumn * state.verticalSampling;
		const plane = new Uint8ClampedArray(
			state.planeStride * paddedBlocksPerColumn * state.blockSize,
		);
		if (!decoder.streaming) {
			const blocks = state.paddedBlocksPerLine * paddedBlocksPerColumn;
			state.coefficients = new Int16Array(blocks * state.kept);
			if (frame.progressive) state.nonZero = new Int32Array(blocks * 2);
		}
		state.plane = plane;
		decoder.planes[index].samples = plane;
	});
}

/** Work units (budget.ts) per 32 samples converted to the picture. */
const SAMPLES_PER_UNIT = 32;

/** Inverse DCT of every block holding picture data, for frames whose coefficients were kept. */
async function inverseTransformAll(decoder: DecoderState, budget: PhotoBudget): Promise<void> {
	const block = new Int16Array(64);
	for (const state of decoder.components) {
		const coefficients = state.coefficients as Int16Array;
		const quant = state.quant ?? ZERO_QUANT;
		const size = state.blockSize;
		const stride = state.planeStride;
		const kept = state.kept;
		const natural = new Uint8Array(kept);
		for (let z = 0; z < 64; z++) if (state.slots[z] >= 0) natural[state.slots[z]] = z;
		for (let row = 0; row < state.blocksPerColumn; row++) {
			for (let column = 0; column < state.blocksPerLine; column++) {
				const offset = (row * state.paddedBlocksPerLine + column) * kept;
				// The IDCT reads only the kept positions, so the rest of `block` may stay stale.
				for (let slot = 0; slot < kept; slot++) block[natural[slot]] = coefficients[offset + slot];
				state.idct(block, 0, quant, state.plane, (row * stride + column) * size, stride);
			}
			await budget.tick(state.blocksPerLine * idctUnits(size));
		}
		state.coefficients = null; // let the memory go before the output is allocated
		state.nonZero = null;
	}
	budget.release(decoder.coefficientBytes);
	decoder.coefficientBytes = 0;
}

const ZERO_QUANT = new Int32Array(64);

/**
 * Whether a CMYK file stores 255 - ink: with an Adobe APP14 segment, as Adobe's applications
 * write CMYK (and as jpgicc reads it); without one, plain ink amounts.
 */
export function storesInvertedCmyk(info: JpegInfo): boolean {
	return info.adobeTransform !== null;
}

/** Upsamples and converts the planes, row by row, into the output picture. */
async function toPicture(
	decoder: DecoderState,
	header: JpegHeader,
	keepCmyk: boolean,
	budget: PhotoBudget,
): Promise<{ picture: Picture; pictureBytes: number }> {
	const { frame, planes, scale } = decoder;
	const { adobeTransform } = header.info;
	const jfif = header.jfif;
	const width = Math.ceil(frame.width / scale);
	const height = Math.ceil(frame.height / scale);
	const count = planes.length;
	const channels = count === 1 ? 1 : count === 4 && keepCmyk ? 4 : 3;
	const pictureBytes = width * height * channels;
	budget.claim(pictureBytes, 'the decoded picture');
	const output = new Uint8ClampedArray(pictureBytes);
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
	const inverted = storesInvertedCmyk(header.info);
	const cmyk = new Uint8ClampedArray(count === 4 && channels === 3 ? width * 4 : 0);
	const ink = new Uint8Array(cmyk.length);
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
		} else if (channels === 4) {
			cmykRow(rows, offsets, ycck, output, o, width);
		} else {
			cmykRow(rows, offsets, ycck, cmyk, 0, width);
			storedCmykRowToRgb(cmyk, 0, inverted, naiveCmykToRgb, ink, output, o, width);
		}
		budget.spend(Math.ceil((width * count) / SAMPLES_PER_UNIT));
		await budget.pace();
	}
	for (const state of decoder.components) state.plane = new Uint8ClampedArray(0);
	budget.release(decoder.planeBytes);
	decoder.planeBytes = 0;
	return {
		picture: {
			width,
			height,
			channels,
			data: new Uint8Array(output.buffer, output.byteOffset, output.length),
		},
		pictureBytes,
	};
}
