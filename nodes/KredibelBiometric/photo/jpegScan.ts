/**
 * Why this file exists: the entropy-coded data of each scan is where a JPEG's coefficients are,
 * and how to read it depends on the scan: sequential (T.81 F.2.2, all 64 coefficients of a block
 * at once) or one of the four progressive kinds (T.81 G.1.2: DC first, DC refinement, AC spectral
 * selection first pass, AC successive-approximation refinement). Blocks are visited in MCU order
 * (A.2: interleaved scans) or component order (non-interleaved scans), with restart intervals
 * (F.2.1.3: predictors and end-of-band runs reset at each RSTn; a damaged interval is skipped and
 * decoding resumes at the next RSTn). A sequential frame coded in one scan is decoded straight into
 * the output planes, one block at a time, without keeping its coefficients.
 *
 * Truncated or damaged data is handled as libjpeg does: once the decoder has needed bits that are
 * not there, the rest of the scan (or of the restart interval) is left as it is, which is mid-grey
 * for data never decoded.
 */

import { BitReader, decodeHuffman, type HuffmanTable, receiveExtend } from './huffman';
import { type InverseDct, ZIGZAG_TO_NATURAL } from './idct';
import { corrupt, type JpegFrame, type ScanHeader } from './jpegHeader';
import type { Checkpoint } from './picture';

// Module-level aliases: hot loops then read a local binding rather than another module's export
// (some bundlers turn every export access into a getter call).
const zigzag = ZIGZAG_TO_NATURAL;
const decodeCode = decodeHuffman;
const receive = receiveExtend;

/** What the scan decoder needs to know and update about one frame component. */
export interface ComponentDecodeState {
	horizontalSampling: number;
	verticalSampling: number;
	/** Blocks holding picture data (non-interleaved scans visit only these, T.81 A.2.2). */
	blocksPerLine: number;
	blocksPerColumn: number;
	/** Blocks in the MCU grid (interleaved scans visit these, A.2.3); the coefficient row stride. */
	paddedBlocksPerLine: number;
	/** All coefficients, natural order, 64 per block (progressive or multi-scan sequential). */
	coefficients: Int16Array | null;
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

/**
 * Decodes one scan whose entropy-coded data starts at `start`. Returns the position to look for
 * the next marker from. `streaming`: sequential frame in a single scan, IDCT straight to planes.
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
	checkpoint: Checkpoint | undefined,
): Promise<number> {
	const reader = new BitReader(bytes, start);
	const { spectralStart, spectralEnd, approximationHigh, approximationLow } = scan;
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

	let endOfBandRun = 0;
	let decodeBlock: BlockDecoder;
	if (!frame.progressive && streaming) {
		decodeBlock = (component, blockRow, blockColumn) => {
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
	} else if (!frame.progressive) {
		decodeBlock = (component, blockRow, blockColumn) => {
			const state = component.state;
			const offset = (blockRow * state.paddedBlocksPerLine + blockColumn) * 64;
			const coefficients = state.coefficients as Int16Array;
			coefficients.fill(0, offset, offset + 64);
			decodeSequentialBlock(
				reader,
				component.dcTable,
				component.acTable,
				state,
				coefficients,
				offset,
			);
		};
	} else if (spectralStart === 0 && approximationHigh === 0) {
		// G.1.2.1: DC first scan, the difference shifted left by Al.
		decodeBlock = (component, blockRow, blockColumn) => {
			const state = component.state;
			const offset = (blockRow * state.paddedBlocksPerLine + blockColumn) * 64;
			const size = decodeCode(reader, component.dcTable);
			if (size > 16) throw corrupt('JPEG DC difference category above 16');
			state.dcPredictor += receive(reader, size);
			(state.coefficients as Int16Array)[offset] = state.dcPredictor * (1 << approximationLow);
		};
	} else if (spectralStart === 0) {
		// G.1.2.1: DC refinement, one raw bit per block.
		const bit = 1 << approximationLow;
		decodeBlock = (component, blockRow, blockColumn) => {
			const state = component.state;
			const offset = (blockRow * state.paddedBlocksPerLine + blockColumn) * 64;
			if (reader.getBit()) (state.coefficients as Int16Array)[offset] |= bit;
		};
	} else if (approximationHigh === 0) {
		// G.1.2.2: AC first scan of a spectral band, with end-of-band runs (EOBn).
		decodeBlock = (component, blockRow, blockColumn) => {
			if (endOfBandRun > 0) {
				endOfBandRun--;
				return;
			}
			const state = component.state;
			const coefficients = state.coefficients as Int16Array;
			const offset = (blockRow * state.paddedBlocksPerLine + blockColumn) * 64;
			const table = component.acTable;
			for (let k = spectralStart; k <= spectralEnd; k++) {
				const runSize = decodeCode(reader, table);
				const run = runSize >> 4;
				const size = runSize & 15;
				if (size === 0) {
					if (run < 15) {
						endOfBandRun = (1 << run) - 1;
						if (run > 0) endOfBandRun += reader.getBits(run);
						break;
					}
					k += 15;
					continue;
				}
				k += run;
				if (k > 63) throw corrupt('JPEG band runs past coefficient 63');
				coefficients[offset + zigzag[k]] = receive(reader, size) * (1 << approximationLow);
			}
		};
	} else {
		// G.1.2.3: AC refinement: one correction bit for each coefficient already non-zero, and
		// new coefficients of magnitude 1 placed among the zero ones.
		const positive = 1 << approximationLow;
		const negative = -1 << approximationLow;
		decodeBlock = (component, blockRow, blockColumn) => {
			const state = component.state;
			const coefficients = state.coefficients as Int16Array;
			const offset = (blockRow * state.paddedBlocksPerLine + blockColumn) * 64;
			const table = component.acTable;
			let k = spectralStart;
			if (endOfBandRun === 0) {
				for (; k <= spectralEnd; k++) {
					const runSize = decodeCode(reader, table);
					let run = runSize >> 4;
					const size = runSize & 15;
					let value = 0;
					if (size !== 0) {
						if (size !== 1) throw corrupt('JPEG refinement coefficient of magnitude above 1');
						value = reader.getBit() ? positive : negative;
					} else if (run !== 15) {
						endOfBandRun = 1 << run;
						if (run > 0) endOfBandRun += reader.getBits(run);
						break;
					}
					while (k <= spectralEnd) {
						const z = offset + zigzag[k];
						const coefficient = coefficients[z];
						if (coefficient !== 0) {
							if (reader.getBit() && (coefficient & positive) === 0) {
								coefficients[z] =
									coefficient >= 0 ? coefficient + positive : coefficient + negative;
							}
						} else if (--run < 0) {
							break;
						}
						k++;
					}
					if (value !== 0 && k <= spectralEnd) {
						coefficients[offset + zigzag[k]] = value;
					}
				}
			}
			if (endOfBandRun > 0) {
				for (; k <= spectralEnd; k++) {
					const z = offset + zigzag[k];
					const coefficient = coefficients[z];
					if (coefficient !== 0 && reader.getBit() && (coefficient & positive) === 0) {
						coefficients[z] = coefficient >= 0 ? coefficient + positive : coefficient + negative;
					}
				}
				endOfBandRun--;
			}
		};
	}

	const single = active.length === 1;
	const first = active[0].state;
	const columns = single ? first.blocksPerLine : frame.mcusPerLine;
	const rows = single ? first.blocksPerColumn : frame.mcusPerColumn;
	let untilRestart = restartInterval;
	let skippingInterval = false;
	for (let row = 0; row < rows; row++) {
		for (let column = 0; column < columns; column++) {
			if (restartInterval > 0) {
				if (untilRestart === 0) {
					if (!reader.restart()) return reader.pos;
					for (const component of active) component.state.dcPredictor = 0;
					endOfBandRun = 0;
					untilRestart = restartInterval;
					skippingInterval = false;
				}
				untilRestart--;
			}
			if (skippingInterval) continue;
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
			if (reader.paddingBytes !== 0 && reader.overrun()) {
				// The data ran out (truncated file, or a marker where data should be).
				if (restartInterval === 0) return reader.pos;
				skippingInterval = true;
			}
		}
		await checkpoint?.();
	}
	return reader.pos;
}

const EMPTY_TABLE: HuffmanTable = {
	lookahead: new Uint16Array(512),
	maxCode: new Int32Array(17).fill(-1),
	valueOffset: new Int32Array(17),
	symbols: new Uint8Array(0),
};
