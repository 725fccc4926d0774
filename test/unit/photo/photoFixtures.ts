/**
 * Why this file exists: the JPEG tests need photo-like pictures (smooth gradients, hard-edged
 * shapes, fine noise) of any size without binary files in the repository. This synthesises them
 * deterministically and runs cjpeg on them.
 */

import type { Picture } from '../../../nodes/KredibelBiometric/photo/picture';
import { ensureDebianTool, runTool, writePnm } from '../../helpers/referenceTools';

/** A deterministic photo-like picture: gradients, a disc, a bar, stripes and some noise. */
export function syntheticPhoto(
	width: number,
	height: number,
	channels: 1 | 3 = 3,
	seed = 1,
): Picture {
	const data = new Uint8Array(width * height * channels);
	let state = seed >>> 0 || 1;
	const random = (): number => {
		state ^= state << 13;
		state ^= state >>> 17;
		state ^= state << 5;
		return (state >>> 0) / 4294967296;
	};
	const cx = width * 0.6;
	const cy = height * 0.4;
	const radius = Math.min(width, height) * 0.25;
	for (let y = 0; y < height; y++) {
		for (let x = 0; x < width; x++) {
			const inDisc = (x - cx) ** 2 + (y - cy) ** 2 < radius * radius;
			const inBar = y > height * 0.7 && y < height * 0.8;
			const stripes = x > width * 0.1 && x < width * 0.3 && Math.floor(y / 3) % 2 === 0;
			const noise = (random() - 0.5) * 12;
			let r = (255 * x) / width;
			let g = (255 * y) / height;
			let b = 128 + 100 * Math.sin((x + y) / 17);
			if (inDisc) [r, g, b] = [230, 40, 60];
			if (inBar) [r, g, b] = [20, 30, 200];
			if (stripes) [r, g, b] = [250, 250, 250];
			const i = (y * width + x) * channels;
			if (channels === 3) {
				data[i] = clamp(r + noise);
				data[i + 1] = clamp(g + noise);
				data[i + 2] = clamp(b + noise);
			} else {
				data[i] = clamp(0.3 * r + 0.59 * g + 0.11 * b + noise);
			}
		}
	}
	return { width, height, channels, data };
}

function clamp(value: number): number {
	return value < 0 ? 0 : value > 255 ? 255 : Math.round(value);
}

/** Encodes with libjpeg-turbo's cjpeg and the given options (e.g. -quality 90 -sample 2x2). */
export function cjpeg(picture: Picture, args: string[]): Uint8Array {
	const tool = ensureDebianTool('cjpeg', 'libjpeg-turbo-progs');
	return new Uint8Array(runTool(tool, args, writePnm(picture)));
}

/** Decodes with libjpeg-turbo's djpeg (-pnm output), with extra options such as -scale 1/2. */
export function djpeg(jpeg: Uint8Array, args: string[] = []): Buffer {
	const tool = ensureDebianTool('djpeg', 'libjpeg-turbo-progs');
	return runTool(tool, ['-pnm', ...args], jpeg);
}
