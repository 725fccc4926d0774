/**
 * Hostile ICC profiles cost nothing and change nothing: every generator of
 * test/helpers/hostile/icc.ts is ignored by the parser (or, for the largest table it accepts,
 * converted), the photo carrying it is still prepared and sent without the profile, and random
 * damage to real profiles never makes the parser or the conversion throw (fast-check, fixed seed).
 */
import fc from 'fast-check';

import {
	cmykConverter,
	isSrgbEquivalent,
	toSrgb,
} from '../../../nodes/KredibelBiometric/photo/colourTransform';
import { readIccProfile } from '../../../nodes/KredibelBiometric/photo/iccProfile';
import { preparePhoto } from '../../../nodes/KredibelBiometric/photo/preparePhoto';
import { hostileProfiles, iccHostileInputs } from '../../helpers/hostile/icc';
import { jpegProfileOf, matrixProfile, PROFILES, tableProfile } from '../../helpers/iccProfiles';

describe('hostile profiles, parsed', () => {
	it.each(hostileProfiles().map((profile) => [profile.name, profile] as const))(
		'%s',
		async (_name, hostile) => {
			const profile = readIccProfile(hostile.make());
			expect(profile !== undefined).toBe(hostile.accepted);
			if (profile?.colourSpace === 'CMYK') {
				let checkpoints = 0;
				const convert = await cmykConverter(profile, () => {
					checkpoints++;
				});
				const out = new Uint8ClampedArray(6);
				convert(Uint8Array.of(0, 0, 0, 0, 255, 255, 255, 255), out, 0, 2);
				expect(out[0]).toBeGreaterThan(out[3]); // paper is lighter than all inks
				expect(checkpoints).toBeGreaterThanOrEqual(160); // a 17^4 grid, a checkpoint every 512 points
			}
		},
	);
});

describe('hostile profiles in JPEGs', () => {
	it.each(iccHostileInputs().map((input) => [input.name, input] as const))(
		'%s: sent, without the profile',
		async (_name, input) => {
			const result = await preparePhoto(input.make(), { maxBytes: 1024 * 1024 });
			expect(result.ok).toBe(true);
			if (result.ok) expect(await jpegProfileOf(result.bytes)).toBeUndefined();
		},
	);
});

describe('damaged real profiles (fast-check, fixed seed)', () => {
	const originals = [
		matrixProfile(PROFILES.displayP3),
		matrixProfile(PROFILES.adobeRgb),
		tableProfile({
			type: 'mft2',
			inputs: 3,
			gridPoints: 5,
			pcs: 'Lab ',
			version: 2,
			description: 'r',
		}),
		tableProfile({
			type: 'mAB ',
			inputs: 3,
			gridPoints: 5,
			pcs: 'XYZ ',
			version: 4,
			description: 'r',
		}),
	];
	const picture = () => ({
		width: 4,
		height: 4,
		channels: 3 as const,
		data: Uint8Array.from({ length: 48 }, (_, i) => i * 5),
	});

	it('never make the parser or the conversion throw; what converts stays within 0-255', async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.nat(originals.length - 1),
				fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 12 }),
				fc.option(fc.nat(), { nil: undefined }),
				async (which, edits, cut) => {
					const bytes = originals[which].slice(
						0,
						cut === undefined ? undefined : 128 + (cut % 2000),
					);
					for (const [at, value] of edits) bytes[at % bytes.length] = value;
					const profile = readIccProfile(bytes);
					if (profile) expect(typeof isSrgbEquivalent(profile)).toBe('boolean');
					const converted = await toSrgb(picture(), profile);
					expect(converted.data.length).toBe(48);
				},
			),
			{ seed: 2405, numRuns: 400 },
		);
	});
});
