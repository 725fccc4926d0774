/**
 * The conversion to sRGB against Little CMS (`transicc`, perceptual intent, built-in sRGB) on
 * the same pixels: matrix/TRC profiles of every curve kind and both versions, grey profiles,
 * table profiles (mft1, mft2, mAB; CMYK and RGB), and the licence-clean profiles Debian ships.
 * Ours goes through the fast forms the photo path uses (LUTs, the sampled grid), so the bounds
 * asserted are those of the whole product path, not of a slower exact evaluation.
 */
import fc from 'fast-check';

import {
	cmykConverter,
	cmykPictureToSrgb,
	isSrgbEquivalent,
	toSrgb,
} from '../../../nodes/KredibelBiometric/photo/colourTransform';
import { readIccProfile } from '../../../nodes/KredibelBiometric/photo/iccProfile';
import type { Picture } from '../../../nodes/KredibelBiometric/photo/picture';
import {
	cmykProfile,
	type CurveSpec,
	greyProfile,
	matrixProfile,
	PROFILES,
	SRGB_PARA,
	tableProfile,
	type TableProfileSpec,
} from '../../helpers/iccProfiles';
import { compare, sampleColours } from '../../helpers/colourAgreement';
import { DEBIAN_PROFILES, debianProfile, transicc } from '../../helpers/lcms';

function pictureOf(colours: number[][]): Picture {
	const channels = colours[0].length as 1 | 3;
	return { width: colours.length, height: 1, channels, data: Uint8Array.from(colours.flat()) };
}

async function convertRgbLike(profileBytes: Uint8Array, colours: number[][]): Promise<number[]> {
	const profile = readIccProfile(profileBytes);
	expect(profile).toBeDefined();
	const picture = await toSrgb(pictureOf(colours), profile);
	if (picture.channels === 3) return [...picture.data];
	return [...picture.data].flatMap((v) => [v, v, v]);
}

async function convertCmyk(profileBytes: Uint8Array, colours: number[][]): Promise<number[]> {
	const profile = readIccProfile(profileBytes);
	expect(profile?.colourSpace).toBe('CMYK');
	const convert = await cmykConverter(profile);
	const out = new Uint8ClampedArray(colours.length * 3);
	convert(Uint8Array.from(colours.flat()), out, 0, colours.length);
	return [...out];
}

describe('matrix/TRC profiles against transicc', () => {
	const colours = sampleColours(3, 2000);
	const cases: Array<[string, Uint8Array]> = [
		...Object.entries(PROFILES).map(([name, spec]): [string, Uint8Array] => [
			name,
			matrixProfile(spec),
		]),
		...(
			[
				['curv gamma 2.2', { type: 'gamma', gamma: 2.2 }],
				['curv table 4096', { type: 'table', fn: (x: number) => x ** 2.6, entries: 4096 }],
				['para 0', { type: 'para', fn: 0, params: [2.2] }],
				['para 1', { type: 'para', fn: 1, params: [2.4, 1.05, -0.05] }],
				['para 2', { type: 'para', fn: 2, params: [2.2, 0.95, 0.02, 0.01] }],
				['para 3', SRGB_PARA],
				['para 4', { type: 'para', fn: 4, params: [2.4, 0.94, 0.05, 0.08, 0.04, 0.005, 0.002] }],
			] as Array<[string, CurveSpec]>
		).map(([name, curve]): [string, Uint8Array] => [
			`P3 primaries, ${name}, v2`,
			matrixProfile({ ...PROFILES.displayP3, version: 2, chad: false, curve }),
		]),
	];

	it.each(cases)('%s: within 1 level (mean < 0.3)', async (_name, bytes) => {
		const ours = await convertRgbLike(bytes, colours);
		const difference = compare(ours, transicc(bytes, colours));
		expect(difference.max).toBeLessThanOrEqual(1);
		expect(difference.mean).toBeLessThan(0.3);
	});

	it('Display P3 pure red leaves the sRGB gamut and is clipped as Little CMS clips it', async () => {
		const bytes = matrixProfile(PROFILES.displayP3);
		const [r, g, b] = await convertRgbLike(bytes, [[255, 0, 0]]);
		expect(r).toBe(255);
		expect(g).toBe(0);
		expect(b).toBe(0);
		const [mid] = [await convertRgbLike(bytes, [[200, 60, 40]])];
		expect(mid[0]).toBeGreaterThan(200); // P3 red is redder than sRGB's
	});
});

describe('grey profiles against transicc', () => {
	const colours = sampleColours(1, 0);
	it.each([
		['XYZ, gamma 1.8', greyProfile({ type: 'gamma', gamma: 1.8 }, 'XYZ ')],
		['Lab, table', greyProfile({ type: 'table', fn: (x) => x ** 0.8, entries: 256 }, 'Lab ')],
		['XYZ, v4, para 3', greyProfile(SRGB_PARA, 'XYZ ', 4)],
	])('%s: within 1 level, stays grey', async (_name, bytes) => {
		const picture = await toSrgb(pictureOf(colours), readIccProfile(bytes));
		expect(picture.channels).toBe(1);
		const ours = [...picture.data].flatMap((v) => [v, v, v]);
		const difference = compare(ours, transicc(bytes, colours));
		expect(difference.max).toBeLessThanOrEqual(1);
	});
});

describe('table profiles (A2B0) against transicc', () => {
	const cmykColours = sampleColours(4, 3000);
	const rgbColours = sampleColours(3, 1000);
	const specs: TableProfileSpec[] = [
		{
			type: 'mft2',
			inputs: 4,
			gridPoints: 9,
			pcs: 'Lab ',
			version: 2,
			description: 'CMYK lut16 Lab',
		},
		{
			type: 'mft1',
			inputs: 4,
			gridPoints: 9,
			pcs: 'Lab ',
			version: 2,
			description: 'CMYK lut8 Lab',
		},
		{
			type: 'mAB ',
			inputs: 4,
			gridPoints: 11,
			pcs: 'Lab ',
			version: 4,
			description: 'CMYK mAB Lab v4',
		},
		{
			type: 'mft2',
			inputs: 4,
			gridPoints: 7,
			pcs: 'XYZ ',
			version: 4,
			description: 'CMYK lut16 XYZ v4',
		},
		{
			type: 'mAB ',
			inputs: 4,
			gridPoints: 9,
			pcs: 'XYZ ',
			version: 2,
			description: 'CMYK mAB XYZ',
		},
	];
	it.each(specs.map((spec) => [spec.description, spec] as const))(
		'%s: within 1.5 levels (mean < 0.4)',
		async (_name, spec) => {
			const bytes = tableProfile(spec);
			const ours = await convertCmyk(bytes, cmykColours);
			const difference = compare(ours, transicc(bytes, cmykColours));
			expect(difference.max).toBeLessThanOrEqual(1.5);
			expect(difference.mean).toBeLessThan(0.4);
		},
	);

	it('gives full ink (the colour cache key 0xFFFFFFFF) its own colour, however often it repeats', async () => {
		// A pale ink set: full ink is a light colour, far from what an empty cache entry holds.
		const pale = (ink: number[]): number[] => [
			0.9 - 0.2 * ink[0],
			0.9 - 0.2 * ink[1],
			0.9 - 0.1 * ink[3],
		];
		const bytes = tableProfile({ ...specs[0], model: pale });
		const full = [255, 255, 255, 255];
		const ours = await convertCmyk(bytes, [full, full, [0, 0, 0, 0], full]);
		const reference = transicc(bytes, [full, full, [0, 0, 0, 0], full]);
		expect(compare(ours, reference).max).toBeLessThanOrEqual(1.5);
	});

	it.each([
		['RGB mAB Lab v4', { type: 'mAB ', pcs: 'Lab ', version: 4 }],
		['RGB lut16 XYZ v2', { type: 'mft2', pcs: 'XYZ ', version: 2 }],
	] as const)('%s (through the 33-point grid): within 2 levels', async (name, partial) => {
		const bytes = tableProfile({ ...partial, inputs: 3, gridPoints: 17, description: name });
		const ours = await convertRgbLike(bytes, rgbColours);
		const difference = compare(ours, transicc(bytes, rgbColours));
		expect(difference.max).toBeLessThanOrEqual(2);
		expect(difference.mean).toBeLessThan(0.5);
	});
});

describe('Debian profiles against transicc (licences in test/helpers/lcms.ts)', () => {
	it.each(DEBIAN_PROFILES.map((profile) => [profile.file, profile] as const))(
		'%s',
		async (_file, debian) => {
			const bytes = debianProfile(debian);
			const profile = readIccProfile(bytes);
			expect(profile).toBeDefined();
			const channels = profile?.colourSpace === 'CMYK' ? 4 : profile?.colourSpace === 'RGB' ? 3 : 1;
			const colours = sampleColours(channels, 1000);
			const ours =
				channels === 4 ? await convertCmyk(bytes, colours) : await convertRgbLike(bytes, colours);
			const difference = compare(ours, transicc(bytes, colours));
			expect(difference.max).toBeLessThanOrEqual(channels === 4 ? 2 : 1);
			expect(difference.mean).toBeLessThan(0.5);
		},
	);
});

describe('cmykPictureToSrgb (a decoder that hands on 4-channel CMYK)', () => {
	it('gives what the row converter gives, for inverted (Adobe) and plain CMYK', async () => {
		const colours = sampleColours(4, 200);
		const bytes = cmykProfile(9);
		const expected = await convertCmyk(bytes, colours);
		const ink = Uint8Array.from(colours.flat());
		const stored = ink.map((v) => 255 - v);
		const profile = readIccProfile(bytes);
		const shape = { width: colours.length / 5, height: 5, channels: 4 as const };
		const fromPlain = await cmykPictureToSrgb({ ...shape, data: ink }, profile, false);
		const fromAdobe = await cmykPictureToSrgb({ ...shape, data: stored }, profile, true);
		expect(fromPlain.channels).toBe(3);
		expect([...fromPlain.data]).toEqual(expected);
		expect([...fromAdobe.data]).toEqual(expected);
	});
});

describe('isSrgbEquivalent', () => {
	it('is true for sRGB however it is stored, and for a grey profile with sRGB curve', () => {
		const srgbV4 = matrixProfile({ ...PROFILES.srgbTable, version: 4, curve: SRGB_PARA });
		for (const bytes of [matrixProfile(PROFILES.srgbTable), srgbV4]) {
			expect(isSrgbEquivalent(readIccProfile(bytes)!)).toBe(true);
		}
		expect(isSrgbEquivalent(readIccProfile(greyProfile(SRGB_PARA, 'XYZ '))!)).toBe(true);
		expect(isSrgbEquivalent(readIccProfile(debianProfile(DEBIAN_PROFILES[4]))!)).toBe(true);
	});

	it('is false for wider gamuts, other curves and any CMYK profile', () => {
		for (const name of ['displayP3', 'adobeRgb', 'proPhoto', 'genericRgb']) {
			expect(isSrgbEquivalent(readIccProfile(matrixProfile(PROFILES[name]))!)).toBe(false);
		}
		expect(
			isSrgbEquivalent(readIccProfile(greyProfile({ type: 'gamma', gamma: 1.8 }, 'XYZ '))!),
		).toBe(false);
		expect(isSrgbEquivalent(readIccProfile(cmykProfile())!)).toBe(false);
	});
});

describe('descriptions', () => {
	it('reads v2 desc and v4 mluc names, cleaned and cut short', () => {
		expect(readIccProfile(matrixProfile(PROFILES.displayP3))?.description).toBe('Display P3');
		expect(readIccProfile(matrixProfile(PROFILES.adobeRgb))?.description).toBe('Adobe RGB (1998)');
		const long = matrixProfile({ ...PROFILES.adobeRgb, description: `A\u0007B ${'x'.repeat(80)}` });
		const description = readIccProfile(long)?.description ?? '';
		expect(description.startsWith('A B xxx')).toBe(true);
		expect(description.length).toBe(40);
	});
});

describe('checkpoints', () => {
	it('are called while a picture is converted and while a CMYK grid is sampled', async () => {
		let calls = 0;
		const checkpoint = (): void => {
			calls++;
		};
		const picture: Picture = {
			width: 512,
			height: 512,
			channels: 3,
			data: new Uint8Array(512 * 512 * 3).fill(100),
		};
		await toSrgb(picture, readIccProfile(matrixProfile(PROFILES.displayP3)), checkpoint);
		expect(calls).toBeGreaterThanOrEqual(4);
		calls = 0;
		const cmyk = tableProfile({
			type: 'mft2',
			inputs: 4,
			gridPoints: 5,
			pcs: 'Lab ',
			version: 2,
			description: 'c',
		});
		await cmykConverter(readIccProfile(cmyk), checkpoint);
		expect(calls).toBeGreaterThanOrEqual(160); // 17^4 grid points, a checkpoint every 512
	});

	it('stop the conversion when they throw', async () => {
		const picture: Picture = { width: 300, height: 300, channels: 3, data: new Uint8Array(270000) };
		const stop = (): void => {
			throw new Error('stopped');
		};
		await expect(
			toSrgb(picture, readIccProfile(matrixProfile(PROFILES.proPhoto)), stop),
		).rejects.toThrow('stopped');
	});
});

describe('profiles that do not fit the picture', () => {
	it('leave it as it is (an RGB profile on grey pixels, a grey profile on RGB pixels)', async () => {
		const grey: Picture = { width: 2, height: 1, channels: 1, data: Uint8Array.of(10, 200) };
		expect([
			...(await toSrgb(grey, readIccProfile(matrixProfile(PROFILES.proPhoto)))).data,
		]).toEqual([10, 200]);
		const rgb: Picture = { width: 1, height: 1, channels: 3, data: Uint8Array.of(10, 100, 200) };
		const greyProfileBytes = greyProfile({ type: 'gamma', gamma: 1.8 }, 'XYZ ');
		expect([...(await toSrgb(rgb, readIccProfile(greyProfileBytes))).data]).toEqual([10, 100, 200]);
	});
});

describe('any RGB profile from primaries and a gamma', () => {
	it('converts within 1 level of transicc (fast-check, fixed seed)', async () => {
		const coordinate = fc.double({ min: 0.05, max: 0.75, noNaN: true });
		await fc.assert(
			fc.asyncProperty(
				fc.tuple(coordinate, coordinate, coordinate, coordinate, coordinate, coordinate),
				fc.double({ min: 1, max: 3, noNaN: true }),
				async (p, gamma) => {
					const spec = {
						...PROFILES.adobeRgb,
						primaries: [
							[0.55 + p[0] * 0.2, 0.25 + p[1] * 0.15],
							[0.2 + p[2] * 0.15, 0.55 + p[3] * 0.2],
							[0.12 + p[4] * 0.05, 0.04 + p[5] * 0.05],
						] as [[number, number], [number, number], [number, number]],
						curve: { type: 'para', fn: 0, params: [gamma] } as CurveSpec,
					};
					const bytes = matrixProfile(spec);
					const colours = sampleColours(3, 0).filter((_, i) => i % 7 === 0);
					const ours = await convertRgbLike(bytes, colours);
					expect(compare(ours, transicc(bytes, colours)).max).toBeLessThanOrEqual(1);
				},
			),
			{ seed: 24, numRuns: 12 },
		);
	});
});
