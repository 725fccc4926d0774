/**
 * How fast our pure-TypeScript inflate (nodes/KredibelBiometric/photo/inflate.ts) is next to
 * Node's native zlib, on ~10 MB of image-like data (PNG-filtered rows of a synthetic photo); how
 * a 3000x4000 RGB PNG decode compares with pngjs, whole and reduced to 2048 px as the node decodes
 * it; and what the heaviest PNG the node decodes costs, time and memory requested: a 970 KB zlib
 * bomb of 50 megapixels, 150 MB of Paeth-filtered RGB rows. Not a test: run
 * `npx tsx bench/photoInflateSpeed.ts`.
 */
import * as zlib from 'node:zlib';
import { PNG } from 'pngjs';
import { inflateZlib } from '../nodes/KredibelBiometric/photo/inflate';
import { decodePng } from '../nodes/KredibelBiometric/photo/pngDecode';
import { WorkMeter } from '../nodes/KredibelBiometric/photo/workMeter';
import { paethBombPng } from '../test/helpers/hostile/png';

function imageLikeRows(width: number, height: number): Uint8Array {
	const rows = new Uint8Array(height * (width * 3 + 1));
	let state = 1;
	for (let y = 0, at = 0; y < height; y++) {
		rows[at++] = 1; // Sub filter: small differences, like a real photo after filtering
		for (let x = 0; x < width * 3; x++) {
			state = (Math.imul(state, 1103515245) + 12345) >>> 0;
			rows[at++] = (state >>> 29) + (((x >> 6) + (y >> 6)) & 3);
		}
	}
	return rows;
}

function median(values: number[]): number {
	return [...values].sort((a, b) => a - b)[values.length >> 1];
}

async function timeIt(run: () => unknown, repeats = 7): Promise<number> {
	const times: number[] = [];
	for (let index = 0; index < repeats; index++) {
		const started = performance.now();
		await run();
		times.push(performance.now() - started);
	}
	return median(times);
}

async function main(): Promise<void> {
	const raw = imageLikeRows(1800, 1850); // ~10 MB
	for (const level of [1, 6, 9]) {
		const compressed = zlib.deflateSync(raw, { level });
		const ours = await timeIt(() => inflateZlib(compressed, raw.length));
		const native = await timeIt(() => zlib.inflateSync(compressed));
		console.log(
			`inflate level ${level}: ${(raw.length / 1e6).toFixed(1)} MB from ${(compressed.length / 1e6).toFixed(1)} MB: ours ${ours.toFixed(0)} ms (${(raw.length / 1e3 / ours).toFixed(0)} MB/s), zlib ${native.toFixed(0)} ms, ratio ${(ours / native).toFixed(2)}`,
		);
	}

	const width = 3000;
	const height = 4000;
	const source = new PNG({ width, height });
	let state = 7;
	for (let pixel = 0; pixel < width * height; pixel++) {
		const x = pixel % width;
		const y = (pixel / width) | 0;
		state = (Math.imul(state, 1103515245) + 12345) >>> 0;
		const noise = state >>> 29;
		source.data[pixel * 4] = ((x >> 4) + noise) & 255;
		source.data[pixel * 4 + 1] = ((y >> 4) + noise) & 255;
		source.data[pixel * 4 + 2] = (((x + y) >> 5) + noise) & 255;
		source.data[pixel * 4 + 3] = 255;
	}
	const png = PNG.sync.write(source, { colorType: 2 });
	const bytes = new Uint8Array(png);
	const ours = await timeIt(() => decodePng(bytes), 5);
	const pngjs = await timeIt(() => PNG.sync.read(png), 5);
	console.log(
		`decodePng 3000x4000 RGB (${(png.length / 1e6).toFixed(1)} MB PNG): ours ${ours.toFixed(0)} ms, pngjs ${pngjs.toFixed(0)} ms, ratio ${(ours / pngjs).toFixed(2)}`,
	);
	const reduced = await timeIt(() => decodePng(bytes, { maxLongSide: 2048 }), 5);
	console.log(
		`decodePng 3000x4000 RGB reduced to 2048 px while decoding: ours ${reduced.toFixed(0)} ms, pngjs (whole) / ours ${(pngjs / reduced).toFixed(2)}`,
	);

	const bomb = paethBombPng(8171, 6119);
	let meter = new WorkMeter();
	const bombMs = await timeIt(() => {
		meter = new WorkMeter();
		return decodePng(bomb, { maxLongSide: 2048, meter });
	}, 3);
	console.log(
		`decodePng 50 MP RGB zlib bomb, Paeth rows (${(bomb.length / 1e3).toFixed(0)} KB) to 2048 px: ${bombMs.toFixed(0)} ms, ${(meter.allocated / 1048576).toFixed(1)} MB requested, ${(meter.work / 1e6).toFixed(0)} million work units`,
	);
}

void main();
