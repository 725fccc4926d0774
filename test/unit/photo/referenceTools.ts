/**
 * Reference tools for the photo codec tests: the codec is checked against independent
 * implementations (GraphicsMagick and friends), which this file finds or installs, runs, and
 * exchanges pixels with through PPM/PGM (Netpbm), the simplest format both sides speak.
 */

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Picture } from '../../../nodes/KredibelBiometric/photo/picture';

const installed = new Set<string>();

/** Path of `binary`; installs Debian's `debPackage` once when it is missing and we are root. */
export function ensureDebianTool(binary: string, debPackage: string): string {
	const path = `/usr/bin/${binary}`;
	if (existsSync(path)) return path;
	const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
	if (!isRoot || !existsSync('/usr/bin/apt-get') || installed.has(debPackage)) {
		throw new Error(
			`${path} is missing: install the Debian package ${debPackage} (apt-get install ${debPackage})`,
		);
	}
	installed.add(debPackage);
	execFileSync('/usr/bin/apt-get', ['update'], { stdio: 'ignore' });
	execFileSync('/usr/bin/apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', debPackage], {
		stdio: 'ignore',
	});
	if (!existsSync(path))
		throw new Error(`${debPackage} was installed but ${path} is still missing`);
	return path;
}

/** Runs a tool, feeding `stdin`, and returns its standard output (throws when it fails). */
export function runTool(binary: string, args: string[], stdin?: Uint8Array): Buffer {
	return execFileSync(binary, args, {
		input: stdin,
		maxBuffer: 1024 * 1024 * 1024,
		stdio: ['pipe', 'pipe', 'pipe'],
	});
}

/** A binary PPM (P6, 3 channels) or PGM (P5, 1 channel) with maxval 255. */
export function writePpm(picture: Picture): Buffer {
	const magic = picture.channels === 3 ? 'P6' : 'P5';
	const header = Buffer.from(`${magic}\n${picture.width} ${picture.height}\n255\n`, 'latin1');
	return Buffer.concat([
		header,
		Buffer.from(picture.data.buffer, picture.data.byteOffset, picture.data.length),
	]);
}

/** Reads a binary P5/P6 file with maxval 255 (comments allowed in the header). */
export function readPpm(bytes: Uint8Array): Picture {
	let offset = 0;
	const fields: string[] = [];
	while (fields.length < 4) {
		while (offset < bytes.length && /\s/.test(String.fromCharCode(bytes[offset]))) offset++;
		if (bytes[offset] === 0x23) {
			while (offset < bytes.length && bytes[offset] !== 0x0a) offset++;
			continue;
		}
		let field = '';
		while (offset < bytes.length && !/\s/.test(String.fromCharCode(bytes[offset]))) {
			field += String.fromCharCode(bytes[offset++]);
		}
		fields.push(field);
	}
	offset++; // the single whitespace byte after maxval
	const [magic, width, height, maxval] = [
		fields[0],
		Number(fields[1]),
		Number(fields[2]),
		Number(fields[3]),
	];
	if ((magic !== 'P6' && magic !== 'P5') || maxval !== 255)
		throw new Error(`Unsupported PNM ${magic} ${maxval}`);
	const channels = magic === 'P6' ? 3 : 1;
	const data = Uint8Array.from(bytes.subarray(offset, offset + width * height * channels));
	if (data.length !== width * height * channels) throw new Error('Truncated PNM');
	return { width, height, channels, data };
}

/** Peak signal-to-noise ratio in dB over all samples (Infinity when identical). */
export function psnr(a: Picture, b: Picture): number {
	if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
		throw new Error(
			`psnr of different shapes: ${a.width}x${a.height}x${a.channels} vs ${b.width}x${b.height}x${b.channels}`,
		);
	}
	let squares = 0;
	for (let index = 0; index < a.data.length; index++) {
		const difference = a.data[index] - b.data[index];
		squares += difference * difference;
	}
	if (squares === 0) return Infinity;
	return 10 * Math.log10((255 * 255 * a.data.length) / squares);
}
