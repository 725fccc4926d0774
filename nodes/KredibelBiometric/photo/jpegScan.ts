/**
 * Why this file exists: the entropy-coded data of each scan is where a JPEG's coefficients are,
 * and how to read it depends on the scan: sequential (T.81 F.2.2, all 64 coefficients of a block
 * at once) or one of the four progressive kinds (T.81 G.1.2: DC first, DC refinement, AC spectral
 * selection first pass, AC successive-approximation refinement). Blocks are visited in MCU order
 * (A.2: interleaved scans) or component order (non-interleaved scans), with restart intervals
 * (F.2.1.3: predictors and end-of-band runs reset at each RSTn). A sequential frame coded in one
 * scan is decoded straight into the output planes, one block at a time, without keeping its
 * coefficients.
 *
 * Coefficients that are kept are kept only at the resolution the output needs (a scaled IDCT
 * reads 49, 25 or 1 of the 64); a progressive frame also keeps one bit per coefficient, set once
 * it is non-zero, because refinement scans read a correction bit for each non-zero coefficient
 * (G.1.2.3) and so must know which ones are, kept or not.
 *
 * Damaged data is handled as libjpeg does: once the decoder has needed bits that are not there,
 * the rest of the restart interval (or of the scan) is left as it is, mid-grey for data never
 * decoded, and decoding resumes at the next restart marker (BitReader.restart). Every block left
 * so is counted, so that the caller can tell a damaged or truncated picture from a whole one.
 */

import { BitReader, decodeHuffman, type HuffmanTable, receiveExtend } from './huffman';
import { type InverseDct, ZIGZAG_TO_NATURAL } from './idct';
import type { PhotoBudget } from './budget';
import type { JpegFrame, ScanHeader } from './jpegHeader';
import { corrupt, PhotoError } from './picture';

// Module-level aliases: hot loops then read a local binding rather than another module's export
// (some bundlers turn every export access into a getter call).
const zigzag = ZIGZAG_TO_NATURAL;
const decodeCode = decodeHuffman;
const receive = receiveExtend;

/** Work units (budget.ts) for one inverse DCT of a block of this output size. */
export function idctUnits(blockSize: number): number {
	return blockSize === 8 ? 3 : 1;
}

/** What the scan decoder needs to know and update about one frame component. */
export interface ComponentDecodeState {
	horizontalSampling: number;
	verticalSampling: number;
	/** Blocks holding picture data (non-interleaved scans visit only these, T.81 A.2.2). */
	blocksPerLine: number;
	blocksPerColumn: number;
	/** Blocks in the MCU grid (interleaved scans visit these, A.2.3); the coefficient row stride. */
	paddedBlocksPerLine: number;
	/** Kept coefficients (progressive or multi-scan sequential), `kept` per block, by slot. */
	coefficients: Int16Array | null;
	/** Coefficients kept per block: those the IDCT of `blockSize` reads (64, 49, 25 or 1). */
	kept: number;
	/** Natural index -> slot among a block's kept coefficients, or -1 when not kept. */
	slots: Int8Array;
	/**
	 * Progressive frames: two words per block, bit k (zig-zag order) set once AC coefficient k is
	 * non-zero, so that a refinement finds the coefficients owing a correction bit (kept or not)
	 * by their set bits rather than by looking at all 63.
	 */
	nonZero: Int32Array | null;
	/** Samples at this component's output resolution, `blockSize` per block side. */
	plane: Uint8ClampedArray;
	planeStride: number;
	blockSize: number;
	idct: InverseDct;
	/** The quantisation table in force when the component's first scan started (natural order). */
	quant: Int32Array | null;
	dcPredictor: number;
}

interface ActiveComponent {
	state: ComponentDecodeState;
	dcTable: HuffmanTable;
	acTable: HuffmanTable;
}

type BlockDecoder = (component: ActiveComponent, blockRow: number, blockColumn: number) => void;

/** One block's coefficients for the streaming path (decoded, inverse transformed, reused). */
const scratchBlock = new Int16Array(64);

/**
 * Sequential Huffman decoding of one block (T.81 F.2.2.1 DC, F.2.2.2 AC) at `offset`. The hot
 * loop of baseline decoding, so the bit buffer lives in local variables and is topped up two
 * bytes at a time when they hold no 0xFF (the reader's byte-wise `fill` handles stuffing,
 * markers and the end of the data).
 */
function decodeSequentialBlock(
	reader: BitReader,
	dcTable: HuffmanTable,
	acTable: HuffmanTable,
	state: ComponentDecodeState,
	coefficients: Int16Array,
	offset: number,
): void {
	const data = reader.data;
	const lastPair = data.length - 1;
	let buffer = reader.buffer;
	let bits = reader.bitCount;
	let pos = reader.pos;
	let table = dcTable;
	for (let k = 0; k < 64; k++) {
		if (bits < 16) {
			const b0 = data[pos];
			const b1 = data[pos + 1];
			if (pos < lastPair && b0 !== 0xff && b1 !== 0xff) {
				buffer = (buffer << 16) | (b0 << 8) | b1;
				pos += 2;
				bits += 16;
			} else {
				reader.buffer = buffer;
				reader.bitCount = bits;
				reader.pos = pos;
				reader.fill();
				buffer = reader.buffer;
				bits = reader.bitCount;
				pos = reader.pos;
			}
		}
		// DECODE (F.2.2.3): 9-bit lookahead, then code by code up to 16 bits.
		const next16 = (buffer >>> (bits - 16)) & 0xffff;
		const entry = table.lookahead[next16 >>> 7];
		let symbol: number;
		if (entry !== 0) {
			bits -= entry >>> 8;
			symbol = entry & 0xff;
		} else {
			let length = 10;
			const maxCode = table.maxCode;
			while (length <= 16 && next16 >>> (16 - length) > maxCode[length]) length++;
			if (length > 16) throw corrupt('JPEG data holds a code that is not in its Huffman table');
			bits -= length;
			symbol = table.symbols[table.valueOffset[length] + (next16 >>> (16 - length))];
		}
		let size: number;
		if (k === 0) {
			if (symbol > 16) throw corrupt('JPEG DC difference category above 16');
			size = symbol;
			table = acTable;
		} else {
			size = symbol & 15;
			const run = symbol >> 4;
			if (size === 0) {
				if (run !== 15) break; // EOB
				k += 15; // ZRL: sixteen zeros
				continue;
			}
			k += run;
			if (k > 63) throw corrupt('JPEG block has more than 64 coefficients');
		}
		let value = 0;
		if (size !== 0) {
			// RECEIVE and EXTEND (F.2.2.1)
			if (bits < size) {
				reader.buffer = buffer;
				reader.bitCount = bits;
				reader.pos = pos;
				reader.fill();
				buffer = reader.buffer;
				bits = reader.bitCount;
				pos = reader.pos;
			}
			bits -= size;
			value = (buffer >>> bits) & ((1 << size) - 1);
			if (value < 1 << (size - 1)) value -= (1 << size) - 1;
		}
		if (k === 0) {
			state.dcPredictor += value;
			coefficients[offset] = state.dcPredictor;
		} else {
			coefficients[offset + zigzag[k]] = value;
		}
	}
	reader.buffer = buffer;
	reader.bitCount = bits;
	reader.pos = pos;
}

/** The table a scan refers to, or a corrupt error if the file never defined it. */
function requireTable(table: HuffmanTable | null | undefined, what: string): HuffmanTable {
	if (!table) throw corrupt(`JPEG scan uses an undefined ${what} Huffman table`);
	return table;
}

/** What one scan left: where its data ended, and how much of it was lost to damage. */
export interface ScanOutcome {
	/** Where to look for the next marker. */
	end: number;
	/** Units (MCUs, or blocks of a one-component scan) the scan covers, and those not decoded. */
	units: number;
	lostUnits: number;
	/** Bytes skipped as damaged or extraneous inside the scan (restart resynchronisation). */
	discardedBytes: number;
	/** Units whose data did not decode (bad Huffman codes and the like). */
	badUnits: number;
	/** The first unit the scan's data never reached (`units` when it reached the end). */
	endedAt: number;
}

/**
 * Work units (budget.ts): one per block visited in a scan, one per byte of entropy-coded data
 * read, and for blocks transformed on the way (streaming) what jpegDecode's IDCT_UNITS says.
 */
const BLOCK_UNITS = 1;
const BYTE_UNITS = 1;

/**
 * Decodes one scan whose entropy-coded data starts at `start`. `streaming`: sequential frame in
 * a single scan, IDCT straight to planes. Spends one unit per block and paces at every row.
 */
export async function decodeScan(
	bytes: Uint8Array,
	start: number,
	frame: JpegFrame,
	states: ComponentDecodeState[],
	scan: ScanHeader,
	dcTables: Array<HuffmanTable | null>,
	acTables: Array<HuffmanTable | null>,
	restartInterval: number,
	streaming: boolean,
	budget: PhotoBudget,
): Promise<ScanOutcome> {
	const reader = new BitReader(bytes, start);
	const { spectralStart, spectralEnd, approximationHigh } = scan;
	const needsDc = spectralStart === 0 && approximationHigh === 0;
	const needsAc = spectralEnd > 0;
	const active: ActiveComponent[] = scan.components.map((sc) => {
		const state = states[sc.componentIndex];
		return {
			state,
			dcTable: needsDc ? requireTable(dcTables[sc.dcTableIndex], 'DC') : EMPTY_TABLE,
			acTable: needsAc ? requireTable(acTables[sc.acTableIndex], 'AC') : EMPTY_TABLE,
		};
	});
	for (const component of active) component.state.dcPredictor = 0;

	const endOfBand = { run: 0 };
	const decodeBlock = blockDecoder(reader, frame, scan, streaming, endOfBand);

	const single = active.length === 1;
	const first = active[0].state;
	const columns = single ? first.blocksPerLine : frame.mcusPerLine;
	const rows = single ? first.blocksPerColumn : frame.mcusPerColumn;
	const units = rows * columns;
	let rowUnits = 0;
	for (const component of active) {
		const blocks = single
			? 1
			: component.state.horizontalSampling * component.state.verticalSampling;
		rowUnits +=
			columns * blocks * (BLOCK_UNITS + (streaming ? idctUnits(component.state.blockSize) : 0));
	}
	let bytesRead = reader.pos;
	let decodedUnits = 0;
	let badUnits = 0;
	let untilRestart = restartInterval;
	let nextRestart = 0;
	let skippingInterval = false;
	let ended = false;
	let endedAt = units;
	for (let row = 0; row < rows && !ended; row++) {
		for (let column = 0; column < columns; column++) {
			if (restartInterval > 0) {
				if (untilRestart === 0) {
					const result = reader.restart(nextRestart);
					if (result === 'scan-ended') {
						ended = true;
						endedAt = row * columns + column;
						break;
					}
					skippingInterval = result === 'interval-lost';
					nextRestart = (nextRestart + 1) & 7;
					for (const component of active) component.state.dcPredictor = 0;
					endOfBand.run = 0;
					untilRestart = restartInterval;
				}
				untilRestart--;
			}
			if (skippingInterval) {
				if (streaming) greyUnit(active, single, row, column);
				continue;
			}
			let badData = false;
			try {
				if (single) {
					decodeBlock(active[0], row, column);
				} else {
					for (const component of active) {
						const { horizontalSampling: h, verticalSampling: v } = component.state;
						for (let y = 0; y < v; y++) {
							for (let x = 0; x < h; x++) decodeBlock(component, row * v + y, column * h + x);
						}
					}
				}
			} catch (error) {
				// A code not in the table, a band past coefficient 63...: damaged data, which
				// loses the rest of its interval (libjpeg warns and decodes on from a wrong bit
				// position, which only paints noise there). Anything else is not the data's fault.
				const damage = error instanceof PhotoError && error.kind === 'corrupt';
				if (!damage) throw corrupt(`JPEG could not be decoded: ${String(error)}`);
				badData = true;
				badUnits++;
			}
			if (badData || (reader.paddingBytes !== 0 && reader.overrun())) {
				// The data ran out (truncated file, or a marker where data should be): this unit
				// holds padding, and so does the rest of the interval or scan.
				if (restartInterval === 0) {
					ended = true;
					endedAt = row * columns + column + 1;
					break;
				}
				skippingInterval = true;
				continue;
			}
			decodedUnits++;
		}
		await budget.tick(rowUnits + (reader.pos - bytesRead) * BYTE_UNITS);
		bytesRead = reader.pos;
	}
	return {
		end: reader.pos,
		units,
		lostUnits: units - decodedUnits,
		discardedBytes: reader.discarded,
		badUnits,
		endedAt,
	};
}

/**
 * Streaming planes start at zero (untouched memory costs nothing); what the data never reached is
 * made mid-grey afterwards, as an all-zero block decodes, unit by unit (an MCU, or a block of a
 * one-component scan).
 */
function greyUnit(active: ActiveComponent[], single: boolean, row: number, column: number): void {
	for (const { state } of active) {
		const h = single ? 1 : state.horizontalSampling;
		const v = single ? 1 : state.verticalSampling;
		const size = state.blockSize;
		for (let y = 0; y < v * size; y++) {
			const start = (row * v * size + y) * state.planeStride + column * h * size;
			state.plane.fill(128, start, start + h * size);
		}
	}
}

/** Greys every unit of a streaming scan from `fromUnit` on (where its data ended), paced. */
export async function greyRest(
	frame: JpegFrame,
	states: ComponentDecodeState[],
	scan: ScanHeader,
	fromUnit: number,
	budget: PhotoBudget,
): Promise<void> {
	const active = scan.components.map((sc) => ({
		state: states[sc.componentIndex],
		dcTable: EMPTY_TABLE,
		acTable: EMPTY_TABLE,
	}));
	const single = active.length === 1;
	const columns = single ? active[0].state.blocksPerLine : frame.mcusPerLine;
	const rows = single ? active[0].state.blocksPerColumn : frame.mcusPerColumn;
	for (let unit = fromUnit; unit < rows * columns; unit++) {
		greyUnit(active, single, Math.floor(unit / columns), unit % columns);
		if (unit % columns === columns - 1) await budget.tick(columns);
	}
}

/** The block decoder for the scan's kind (sequential, or one of the four progressive kinds). */
function blockDecoder(
	reader: BitReader,
	frame: JpegFrame,
	scan: ScanHeader,
	streaming: boolean,
	endOfBand: { run: number },
): BlockDecoder {
	const { spectralStart, spectralEnd, approximationHigh, approximationLow } = scan;
	if (!frame.progressive && streaming) {
		return (component, blockRow, blockColumn) => {
			const state = component.state;
			scratchBlock.fill(0);
			decodeSequentialBlock(reader, component.dcTable, component.acTable, state, scratchBlock, 0);
			const size = state.blockSize;
			state.idct(
				scratchBlock,
				0,
				state.quant as Int32Array,
				state.plane,
				(blockRow * state.planeStride + blockColumn) * size,
				state.planeStride,
			);
		};
	}
	if (!frame.progressive) {
		return (component, blockRow, blockColumn) => {
			const state = component.state;
			scratchBlock.fill(0);
			decodeSequentialBlock(reader, component.dcTable, component.acTable, state, scratchBlock, 0);
			const coefficients = state.coefficients as Int16Array;
			const kept = state.kept;
			const offset = (blockRow * state.paddedBlocksPerLine + blockColumn) * kept;
			const slots = state.slots;
			for (let z = 0; z < 64; z++) {
				const slot = slots[z];
				if (slot >= 0) coefficients[offset + slot] = scratchBlock[z];
			}
		};
	}
	if (spectralStart === 0 && approximationHigh === 0) {
		// G.1.2.1: DC first scan, the difference shifted left by Al. DC is always kept, in slot 0.
		return (component, blockRow, blockColumn) => {
			const state = component.state;
			const offset = (blockRow * state.paddedBlocksPerLine + blockColumn) * state.kept;
			const size = decodeCode(reader, component.dcTable);
			if (size > 16) throw corrupt('JPEG DC difference category above 16');
			state.dcPredictor += receive(reader, size);
			(state.coefficients as Int16Array)[offset] = state.dcPredictor * (1 << approximationLow);
		};
	}
	if (spectralStart === 0) {
		// G.1.2.1: DC refinement, one raw bit per block.
		const bit = 1 << approximationLow;
		return (component, blockRow, blockColumn) => {
			const state = component.state;
			const offset = (blockRow * state.paddedBlocksPerLine + blockColumn) * state.kept;
			if (reader.getBit()) (state.coefficients as Int16Array)[offset] |= bit;
		};
	}
	if (approximationHigh === 0) {
		// G.1.2.2: AC first scan of a spectral band, with end-of-band runs (EOBn).
		return (component, blockRow, blockColumn) => {
			if (endOfBand.run > 0) {
				endOfBand.run--;
				return;
			}
			const state = component.state;
			const block = blockRow * state.paddedBlocksPerLine + blockColumn;
			const coefficients = state.coefficients as Int16Array;
			const offset = block * state.kept;
			const slots = state.slots;
			const nonZero = state.nonZero;
			const table = component.acTable;
			for (let k = spectralStart; k <= spectralEnd; k++) {
				const runSize = decodeCode(reader, table);
				const run = runSize >> 4;
				const size = runSize & 15;
				if (size === 0) {
					if (run < 15) {
						endOfBand.run = (1 << run) - 1;
						if (run > 0) endOfBand.run += reader.getBits(run);
						break;
					}
					k += 15;
					continue;
				}
				k += run;
				if (k > 63) throw corrupt('JPEG band runs past coefficient 63');
				const value = receive(reader, size) * (1 << approximationLow);
				const slot = slots[zigzag[k]];
				if (slot >= 0) coefficients[offset + slot] = value;
				(nonZero as Int32Array)[2 * block + (k >> 5)] |= 1 << (k & 31);
			}
		};
	}
	// G.1.2.3: AC refinement: one correction bit for each coefficient already non-zero, and new
	// coefficients of magnitude 1 placed among the zero ones.
	const positive = 1 << approximationLow;
	const negative = -1 << approximationLow;
	return (component, blockRow, blockColumn) => {
		const state = component.state;
		const block = blockRow * state.paddedBlocksPerLine + blockColumn;
		const coefficients = state.coefficients as Int16Array;
		const offset = block * state.kept;
		const slots = state.slots;
		const nonZero = state.nonZero as Int32Array;
		const table = component.acTable;
		/** Reads coefficient k's correction bit and applies it where the value is kept. */
		const correct = (k: number): void => {
			const bit = reader.getBit();
			const slot = slots[zigzag[k]];
			if (bit === 0 || slot < 0) return; // not kept: only the bit's place in the stream matters
			const coefficient = coefficients[offset + slot];
			if ((coefficient & positive) === 0) {
				coefficients[offset + slot] =
					coefficient >= 0 ? coefficient + positive : coefficient + negative;
			}
		};
		const isNonZero = (k: number): boolean =>
			((nonZero[2 * block + (k >> 5)] >>> (k & 31)) & 1) === 1;
		let k = spectralStart;
		if (endOfBand.run === 0) {
			for (; k <= spectralEnd; k++) {
				const runSize = decodeCode(reader, table);
				let run = runSize >> 4;
				const size = runSize & 15;
				let value = 0;
				if (size !== 0) {
					if (size !== 1) throw corrupt('JPEG refinement coefficient of magnitude above 1');
					value = reader.getBit() ? positive : negative;
				} else if (run !== 15) {
					endOfBand.run = 1 << run;
					if (run > 0) endOfBand.run += reader.getBits(run);
					break;
				}
				while (k <= spectralEnd) {
					if (isNonZero(k)) correct(k);
					else if (--run < 0) break;
					k++;
				}
				if (value !== 0 && k <= spectralEnd) {
					const slot = slots[zigzag[k]];
					if (slot >= 0) coefficients[offset + slot] = value;
					nonZero[2 * block + (k >> 5)] |= 1 << (k & 31);
				}
			}
		}
		if (endOfBand.run > 0) {
			// The rest of the band: a correction bit for each non-zero coefficient, found by their
			// bits (most blocks of a refinement have few, or none).
			if (k <= spectralEnd) {
				for (let word = k >> 5; word <= spectralEnd >> 5; word++) {
					const low = Math.max(k, word << 5) & 31;
					const high = Math.min(spectralEnd, (word << 5) + 31) & 31;
					const band = ((high === 31 ? -1 : (1 << (high + 1)) - 1) >>> low) << low;
					let set = nonZero[2 * block + word] & band;
					while (set !== 0) {
						const lowest = set & -set;
						correct((word << 5) + 31 - Math.clz32(lowest));
						set ^= lowest;
					}
				}
			}
			endOfBand.run--;
		}
	};
}

const EMPTY_TABLE: HuffmanTable = {
	lookahead: new Uint16Array(512),
	maxCode: new Int32Array(17).fill(-1),
	valueOffset: new Int32Array(17),
	symbols: new Uint8Array(0),
};
