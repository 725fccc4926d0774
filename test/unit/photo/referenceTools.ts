/**
 * The reference implementations the photo tests compare against (libjpeg-turbo's cjpeg, djpeg and
 * jpegtran, GraphicsMagick's gm), the PPM/PGM files they exchange with the codec, and PSNR. Tools
 * are installed from Debian on first use when the tests run as root (as in CI); anywhere else a
 * missing tool is a clear failure, never a silently skipped test.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

import type { Picture } from '../../../nodes/KredibelBiometric/photo/picture';

let aptUpdated = false;

/** Path of /usr/bin/<binary>, installing Debian package `debPackage` when missing and possible. */
export function ensureDebianTool(binary: string, debPackage: string): string {
	const path = `/usr/bin/${binary}`;
	if (existsSync(path)) return path;
	const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
	if (!isRoot || !existsSync('/usr/bin/apt-get')) {
		throw new Error(
			`The photo tests need ${path}: install it with \`apt-get install ${debPackage}\` (Debian/Ubuntu).`,
		);
	}
	if (!aptUpdated) {
		execFileSync('/usr/bin/apt-get', ['update'], { stdio: 'ignore' });
		aptUpdated = true;
	}
	execFileSync('/usr/bin/apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', debPackage], {
		stdio: 'ignore',
		env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
	});
	if (!existsSync(path)) throw new Error(`Installing ${debPackage} did not provide ${path}.`);
	return path;
}

/** Runs a tool, feeding `stdin`, and returns its standard output (throws on a non-zero exit). */
export function runTool(binary: string, args: string[], stdin?: Uint8Array): Buffer {
	return execFileSync(binary, args, {
		input: stdin,
		maxBuffer: 512 * 1024 * 1024,
		stdio: ['pipe', 'pipe', 'pipe'],
	});
}

/** Binary PPM (P6) for 3 channels, PGM (P5) for 1, maxval 255. */
export function writePnm(picture: Picture): Buffer {
	const magic = picture.channels === 3 ? 'P6' : 'P5';
	const header = Buffer.from(`${magic}\n${picture.width} ${picture.height}\n255\n`, 'latin1');
	return Buffer.concat([
		header,
		Buffer.from(picture.data.buffer, picture.data.byteOffset, picture.data.byteLength),
	]);
}

/** Reads a binary PPM/PGM with maxval 255 (what djpeg and gm write), comments allowed. */
export function readPnm(bytes: Uint8Array): Picture {
	let position = 0;
	const nextToken = (): string => {
		for (;;) {
			while (position < bytes.length && /\s/.test(String.fromCharCode(bytes[position]))) position++;
			if (bytes[position] !== 0x23) break;
			while (position < bytes.length && bytes[position] !== 0x0a) position++;
		}
		const start = position;
		while (position < bytes.length && !/\s/.test(String.fromCharCode(bytes[position]))) position++;
		return Buffer.from(bytes.subarray(start, position)).toString('latin1');
	};
	const magic = nextToken();
	if (magic !== 'P5' && magic !== 'P6') throw new Error(`Not a binary PPM/PGM: ${magic}`);
	const width = Number(nextToken());
	const height = Number(nextToken());
	const maxValue = Number(nextToken());
	if (maxValue !== 255) throw new Error(`Unexpected PNM maxval ${maxValue}`);
	position++; // the single whitespace after maxval
	const channels = magic === 'P6' ? 3 : 1;
	const size = width * height * channels;
	if (bytes.length - position < size) throw new Error('Truncated PNM');
	return {
		width,
		height,
		channels,
		data: Uint8Array.from(bytes.subarray(position, position + size)),
	};
}

/** Peak signal-to-noise ratio in dB over all samples (Infinity when identical). */
export function psnr(a: Picture, b: Picture): number {
	if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
		throw new Error(
			`PSNR of different shapes: ${a.width}x${a.height}x${a.channels} vs ${b.width}x${b.height}x${b.channels}`,
		);
	}
	let squared = 0;
	for (let i = 0; i < a.data.length; i++) {
		const difference = a.data[i] - b.data[i];
		squared += difference * difference;
	}
	if (squared === 0) return Infinity;
	return 10 * Math.log10((255 * 255 * a.data.length) / squared);
}
