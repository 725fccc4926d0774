/**
 * The colour half of the photo part of `npm run bench`: what converting to sRGB costs next to
 * decoding the same picture, measured in the same run on a 2048x1536 photo (the size the node
 * re-encodes at): a Display P3 JPEG through the matrix/TRC path, and a CMYK JPEG through a
 * 17-point CMYK table (grid sampled once per photo, then interpolated per pixel), each as a ratio
 * against the plain decode. Also the longest stretch between two checkpoint calls in CPU time
 * (the most the event loop can wait on this work; CPU time, so that other work on a busy machine
 * does not count). Runs the built codec (dist/); alone:
 * `npm run build && npx tsx bench/colour.ts`.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { matrixProfile, PROFILES, tableProfile } from '../test/helpers/iccProfiles';
import { cjpeg, gmCmykJpeg, syntheticPhoto } from '../test/unit/photo/photoFixtures';
import { REPO_ROOT } from './loadNode';
import { markdownTable, formatSummary } from './report';
import { summarize, type Summary } from './stats';

type Transform = typeof import('../nodes/KredibelBiometric/photo/colourTransform');
type Decode = typeof import('../nodes/KredibelBiometric/photo/jpegDecode');
type Profile = typeof import('../nodes/KredibelBiometric/photo/iccProfile');
type Picture = import('../nodes/KredibelBiometric/photo/picture').Picture;

export interface ColourResult {
	size: string;
	/** ms: plain decodes and the conversions, medians over the rounds. */
	rgbDecode: Summary;
	matrixConversion: Summary;
	cmykDecodeNaive: Summary;
	cmykGridBuild: Summary;
	cmykDecodeThroughProfile: Summary;
	/** Conversion time / decode time of the same picture. */
	ratios: { matrix: number; cmykPixels: number; cmykWithGrid: number };
	/** Longest stretch between checkpoint calls in any conversion, ms of this process's CPU. */
	longestStretchMs: number;
}

function load<T>(file: string): T {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	return require(path.join(REPO_ROOT, 'dist/nodes/KredibelBiometric/photo', file)) as T;
}

async function time(rounds: number, run: () => Promise<unknown>): Promise<Summary> {
	await run(); // warm-up
	const times: number[] = [];
	for (let round = 0; round < rounds; round++) {
		const start = performance.now();
		await run();
		times.push(performance.now() - start);
	}
	return summarize(times);
}

export async function measureColour(rounds = 5): Promise<ColourResult> {
	const { toSrgb, cmykConverter, cmykPictureToSrgb } = load<Transform>('colourTransform.js');
	const { decodeJpeg, readJpegInfo, storesInvertedCmyk } = load<Decode>('jpegDecode.js');
	const { readIccProfile } = load<Profile>('iccProfile.js');
	const width = 2048;
	const height = 1536;
	const source = syntheticPhoto(width, height, 3, 7);
	const rgbJpeg = cjpeg(source, ['-quality', '92', '-sample', '2x2']);
	const cmykJpeg = gmCmykJpeg(source, 92);
	const p3 = readIccProfile(matrixProfile(PROFILES.displayP3));
	const press = readIccProfile(
		tableProfile({
			type: 'mft2',
			inputs: 4,
			gridPoints: 17,
			pcs: 'Lab ',
			version: 2,
			description: 'press',
		}),
	);
	let longestStretchMs = 0;
	let last = 0;
	const cpuMs = (): number => {
		const { user, system } = process.cpuUsage();
		return (user + system) / 1000;
	};
	const checkpoint = (): void => {
		const now = cpuMs();
		longestStretchMs = Math.max(longestStretchMs, now - last);
		last = now;
	};
	const startStretch = (): void => {
		last = cpuMs();
	};

	const decoded = await decodeJpeg(rgbJpeg, { scale: 1 });
	const rgbDecode = await time(rounds, () => decodeJpeg(rgbJpeg, { scale: 1 }));
	// Converted in place again and again: a LUT-based conversion costs the same on any values.
	const matrixConversion = await time(rounds, async () => {
		startStretch();
		await toSrgb(decoded, p3, checkpoint);
	});
	// CMYK as the photo path takes it: decoded to its 4 channels, then converted.
	const inverted = storesInvertedCmyk(readJpegInfo(cmykJpeg));
	const decodeCmyk = (): Promise<Picture> => decodeJpeg(cmykJpeg, { scale: 1, keepCmyk: true });
	const cmykDecodeNaive = await time(rounds, async () =>
		cmykPictureToSrgb(await decodeCmyk(), undefined, inverted),
	);
	const cmykGridBuild = await time(rounds, async () => {
		startStretch();
		await cmykConverter(press, checkpoint);
	});
	const cmykDecodeThroughProfile = await time(rounds, async () => {
		const decoded = await decodeCmyk();
		startStretch();
		await cmykPictureToSrgb(decoded, press, inverted, checkpoint);
	});
	const cmykWithGrid =
		(cmykDecodeThroughProfile.median - cmykDecodeNaive.median) / cmykDecodeNaive.median;
	const cmykPixels = cmykWithGrid - cmykGridBuild.median / cmykDecodeNaive.median;
	return {
		size: `${width}x${height}`,
		rgbDecode,
		matrixConversion,
		cmykDecodeNaive,
		cmykGridBuild,
		cmykDecodeThroughProfile,
		ratios: {
			matrix: matrixConversion.median / rgbDecode.median,
			cmykPixels,
			cmykWithGrid,
		},
		longestStretchMs,
	};
}

export function colourSection(result: ColourResult): string {
	const ratio = (value: number): string => `${value.toFixed(2)} x decode`;
	return [
		`### Colours: converting a ${result.size} photo to sRGB, against decoding it (ms, median (min-max))`,
		'',
		markdownTable(
			['Step', 'Time (ms)', 'Against the decode'],
			[
				['decode, RGB JPEG q92 4:2:0', formatSummary(result.rgbDecode, 1), ''],
				[
					'Display P3 -> sRGB (matrix/TRC, LUTs)',
					formatSummary(result.matrixConversion, 1),
					ratio(result.ratios.matrix),
				],
				['decode, CMYK JPEG, naive CMYK -> RGB', formatSummary(result.cmykDecodeNaive, 1), ''],
				[
					'decode, CMYK JPEG through a 17-point CMYK profile (grid sampled)',
					formatSummary(result.cmykDecodeThroughProfile, 1),
					`+${ratio(result.ratios.cmykPixels)} for the pixels`,
				],
				[
					'sampling the CMYK grid alone (17^4 points, once per photo)',
					formatSummary(result.cmykGridBuild, 1),
					`+${ratio(result.ratios.cmykWithGrid)} with the pixels`,
				],
			],
		),
		'',
		`Longest stretch between two checkpoint calls in these conversions: ${result.longestStretchMs.toFixed(1)} ms of CPU (goal: under 50 ms).`,
	].join('\n');
}

if (require.main === module) {
	measureColour()
		.then((result) => process.stdout.write(`${colourSection(result)}\n`))
		.catch((error: unknown) => {
			console.error(error);
			process.exitCode = 1;
		});
}
