/**
 * Why this file exists: the photo codec is tested against the reference implementations
 * (libjpeg-turbo's cjpeg/djpeg, GraphicsMagick) rather than against itself. This finds or installs
 * those tools, runs them, reads and writes the PPM/PGM files they speak (Netpbm binary formats
 * P6/P5, maxval 255) and measures how close two pictures are (PSNR).
 */

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

import type { Picture } from '../../nodes/KredibelBiometric/photo/picture';

const installed = new Set<string>();

/**
 * The path of `/usr/bin/<binary>`. When it is missing and we run as root with apt-get, installs
 * the Debian package once (apt-get update + install); otherwise throws saying what to install.
 */
export function ensureDebianTool(binary: string, debPackage: string): string {
	return ensureDebianFile(`/usr/bin/${binary}`, debPackage);
}

/** Like ensureDebianTool, for any file a Debian package installs (a profile, a font). */
export function ensureDebianFile(path: string, debPackage: string): string {
	if (existsSync(path)) return path;
	const root = typeof process.getuid === 'function' && process.getuid() === 0;
	if (root && existsSync('/usr/bin/apt-get') && !installed.has(debPackage)) {
		installed.add(debPackage);
		execFileSync('/usr/bin/apt-get', ['update'], { stdio: 'ignore' });
		execFileSync(
			'/usr/bin/apt-get',
			['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', debPackage],
			{ stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } },
		);
		if (existsSync(path)) return path;
	}
	throw new Error(
		`${path} is missing: install the Debian package ${debPackage} (apt-get install ${debPackage})`,
	);
}

/** Runs a tool with optional stdin and returns its stdout (throws on a non-zero exit). */
export function runTool(binary: string, args: string[], stdin?: Uint8Array): Buffer {
	return execFileSync(binary, args, {
		input: stdin,
		maxBuffer: 1 << 30,
		stdio: ['pipe', 'pipe', 'pipe'],
	});
}

/** A binary PPM (P6, 3 channels) or PGM (P5, 1 channel) of a picture. */
export function writePnm(picture: Picture): Buffer {
	const magic = picture.channels === 3 ? 'P6' : 'P5';
	const header = Buffer.from(`${magic}\n${picture.width} ${picture.height}\n255\n`, 'latin1');
	return Buffer.concat([header, Buffer.from(picture.data)]);
}

/** Parses a binary P5/P6 file with maxval 255 (comments allowed in the header). */
export function readPnm(bytes: Uint8Array): Picture {
	const fields: string[] = [];
	let pos = 0;
	while (fields.length < 4) {
		while (pos < bytes.length && /\s/.test(String.fromCharCode(bytes[pos]))) pos++;
		if (bytes[pos] === 0x23) {
			while (pos < bytes.length && bytes[pos] !== 0x0a) pos++;
			continue;
		}
		const begin = pos;
		while (pos < bytes.length && !/\s/.test(String.fromCharCode(bytes[pos]))) pos++;
		fields.push(Buffer.from(bytes.subarray(begin, pos)).toString('latin1'));
	}
	pos++; // the single whitespace byte before the samples
	const [magic, width, height, maxval] = fields;
	if ((magic !== 'P6' && magic !== 'P5') || maxval !== '255') {
		throw new Error(`unsupported PNM header ${fields.join(' ')}`);
	}
	const channels = magic === 'P6' ? 3 : 1;
	const size = Number(width) * Number(height) * channels;
	return {
		width: Number(width),
		height: Number(height),
		channels,
		data: Uint8Array.from(bytes.subarray(pos, pos + size)),
	};
}

/** Peak signal-to-noise ratio in dB over all samples (Infinity when identical). */
export function psnr(a: Picture, b: Picture): number {
	if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
		throw new Error(
			`pictures differ in shape: ${a.width}x${a.height}x${a.channels} vs ${b.width}x${b.height}x${b.channels}`,
		);
	}
	let sum = 0;
	for (let i = 0; i < a.data.length; i++) {
		const d = a.data[i] - b.data[i];
		sum += d * d;
	}
	if (sum === 0) return Infinity;
	return 10 * Math.log10((255 * 255 * a.data.length) / sum);
}
