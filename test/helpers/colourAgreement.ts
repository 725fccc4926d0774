/**
 * Why this file exists: the colour tests (test/unit/photo/colourTransform.test.ts) and the
 * agreement table (bench/colourAgreement.ts) measure our conversion against Little CMS the same
 * way: on the same sampled colours (a regular lattice plus seeded random ones), as the largest
 * and the mean difference in 8-bit levels per sample. Kept in one place so that the figures a
 * report quotes are the ones the tests assert bounds on.
 */

/** Every 17th level on each axis (4096 colours; 256 grey; 625 CMYK) plus seeded random ones. */
export function sampleColours(channels: number, random: number): number[][] {
	const colours: number[][] = [];
	if (channels <= 3) {
		const steps = channels === 1 ? 256 : 16;
		const levels = Array.from({ length: steps }, (_, i) => Math.round((i * 255) / (steps - 1)));
		const walk = (prefix: number[]): void => {
			if (prefix.length === channels) colours.push(prefix);
			else for (const v of levels) walk([...prefix, v]);
		};
		walk([]);
	} else {
		const levels = [0, 40, 128, 200, 255];
		for (const c of levels)
			for (const m of levels)
				for (const y of levels)
					for (const k of levels) {
						colours.push([c, m, y, k]);
					}
	}
	let seed = 12345;
	const next = (): number => {
		seed = (seed * 1103515245 + 12345) & 0x7fffffff;
		return seed & 255;
	};
	for (let i = 0; i < random; i++) colours.push(Array.from({ length: channels }, next));
	return colours;
}

export interface Difference {
	max: number;
	mean: number;
}

/** Our interleaved RGB against the reference's R, G, B per colour, in levels. */
export function compare(ours: ArrayLike<number>, reference: number[][]): Difference {
	let max = 0;
	let sum = 0;
	let count = 0;
	reference.forEach((rgb, i) => {
		for (let k = 0; k < 3; k++) {
			const d = Math.abs(ours[i * 3 + k] - rgb[k]);
			max = Math.max(max, d);
			sum += d;
			count++;
		}
	});
	return { max, mean: sum / count };
}
