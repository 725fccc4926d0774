/**
 * Why this file exists: issue 24 asks for colours within 1-2 levels of a colour-managed
 * reference, and the unit tests only say pass or fail. This prints, per profile, how far our
 * conversion to sRGB is from Little CMS (`transicc -t0 -o*sRGB`) on the same sampled colours as
 * the tests (test/helpers/colourAgreement.ts): largest and mean difference in 8-bit levels, for
 * the profiles the tests build (Display P3, Adobe RGB, ProPhoto, Generic RGB, sRGB, grey, CMYK
 * tables) and the licence-clean ones Debian ships. Not timed, so it runs the source:
 * `npx tsx bench/colourAgreement.ts`.
 */

import { cmykConverter, toSrgb } from '../nodes/KredibelBiometric/photo/colourTransform';
import { readIccProfile } from '../nodes/KredibelBiometric/photo/iccProfile';
import { compare, type Difference, sampleColours } from '../test/helpers/colourAgreement';
import {
	greyProfile,
	matrixProfile,
	PROFILES,
	SRGB_PARA,
	tableProfile,
} from '../test/helpers/iccProfiles';
import { DEBIAN_PROFILES, debianProfile, transicc } from '../test/helpers/lcms';
import { markdownTable } from './report';

/** Our sRGB for `colours` through the photo path's fast forms (LUTs, sampled grid). */
async function ours(bytes: Uint8Array, colours: number[][]): Promise<ArrayLike<number>> {
	const profile = readIccProfile(bytes);
	if (!profile) throw new Error('profile not read');
	const channels = colours[0].length;
	if (channels === 4) {
		const out = new Uint8ClampedArray(colours.length * 3);
		(await cmykConverter(profile))(Uint8Array.from(colours.flat()), out, 0, colours.length);
		return out;
	}
	const picture = await toSrgb(
		{
			width: colours.length,
			height: 1,
			channels: channels as 1 | 3,
			data: Uint8Array.from(colours.flat()),
		},
		profile,
	);
	return channels === 3 ? picture.data : [...picture.data].flatMap((v) => [v, v, v]);
}

async function agreement(bytes: Uint8Array, channels: number): Promise<Difference> {
	const colours = sampleColours(channels, channels === 1 ? 0 : 2000);
	return compare(await ours(bytes, colours), transicc(bytes, colours));
}

async function main(): Promise<void> {
	const cases: Array<[string, Uint8Array, number]> = [
		...Object.values(PROFILES).map((spec): [string, Uint8Array, number] => [
			`${spec.description} (matrix/TRC, built)`,
			matrixProfile(spec),
			3,
		]),
		['Grey gamma 1.8 (built)', greyProfile({ type: 'gamma', gamma: 1.8 }, 'XYZ '), 1],
		['Grey sRGB curve, v4 (built)', greyProfile(SRGB_PARA, 'XYZ ', 4), 1],
		...(['mft2', 'mft1', 'mAB '] as const).map((type): [string, Uint8Array, number] => [
			`CMYK ${type} Lab table (built)`,
			tableProfile({
				type,
				inputs: 4,
				gridPoints: 9,
				pcs: 'Lab ',
				version: type === 'mAB ' ? 4 : 2,
				description: type,
			}),
			4,
		]),
	];
	for (const debian of DEBIAN_PROFILES) {
		const bytes = debianProfile(debian);
		const space = readIccProfile(bytes)?.colourSpace;
		cases.push([debian.file, bytes, space === 'CMYK' ? 4 : space === 'RGB' ? 3 : 1]);
	}
	const rows: string[][] = [];
	for (const [name, bytes, channels] of cases) {
		const { max, mean } = await agreement(bytes, channels);
		rows.push([name, String(channels), max.toFixed(2), mean.toFixed(3)]);
	}
	console.log(markdownTable(['profile', 'channels', 'max levels', 'mean levels'], rows));
}

void main();
