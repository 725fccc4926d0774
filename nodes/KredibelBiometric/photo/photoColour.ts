/**
 * Why this file exists: preparePhoto decides between sending a photo unchanged, without its
 * metadata, or re-encoded, and an embedded colour profile takes part in that decision: once the
 * profile is dropped, pixels coded for Display P3 or ProPhoto would be read as sRGB (blue turns
 * violet), and CMYK must never reach Kredibel (it, like browsers, would read its inks as RGB).
 * This reads what a photo's profile means for it, in one place for JPEG and PNG: whether its
 * pixels must be converted, from what (for the `photo.colourConverted` record), and the parsed
 * profile to convert with; and converts a decoded picture accordingly.
 */

import type { PhotoBudget } from './budget';
import {
	cmykPictureToSrgb,
	conversionCost,
	isSrgbEquivalent,
	profileFits,
	toSrgb,
} from './colourTransform';
import { type IccProfile, readIccProfile } from './iccProfile';
import type { Picture } from './picture';

export interface PhotoColour {
	/** The profile to convert with, when there is a usable one that fits the picture. */
	profile?: IccProfile;
	/**
	 * Set when the pixels must be converted (the photo cannot leave unchanged or metadata-only):
	 * the profile's name ('Display P3'), 'ICC profile' when it has none, or 'CMYK' for CMYK
	 * without a usable profile. Undefined when the colours are sRGB already or as good as.
	 */
	convertedFrom?: string;
}

/**
 * `profileBytes` is the embedded profile (undefined: none); `channels` the picture's
 * components (1 grey, 3 RGB, 4 CMYK/YCCK). A damaged or hostile profile, or one that does not
 * fit the picture, is ignored: the photo is treated as untagged, the way browsers show it.
 */
export function readPhotoColour(
	profileBytes: Uint8Array | undefined,
	channels: number,
): PhotoColour {
	const parsed = profileBytes ? readIccProfile(profileBytes) : undefined;
	const profile = parsed && profileFits(parsed, channels) ? parsed : undefined;
	if (channels === 4) {
		return { profile, convertedFrom: profile ? nameOf(profile) : 'CMYK' };
	}
	if (!profile || isSrgbEquivalent(profile)) return {};
	return { profile, convertedFrom: nameOf(profile) };
}

/**
 * The decoded picture in sRGB, converted as `colour` says: through its profile, or for a
 * 4-channel CMYK picture through its profile or the naive model (`invertedCmyk`: the file stores
 * 255 - ink, jpegDecode.ts storesInvertedCmyk). As it is when nothing is to convert. The work is
 * spent and paced on `budget`, refused up front when it cannot fit; a CMYK picture's RGB copy
 * stays claimed (the caller releases the 4-channel picture it no longer holds), the tables not.
 * This, with readPhotoColour, is the whole colour step for any decoder (JPEG now, PNG's iCCP next).
 */
export async function pictureInSrgb(
	picture: Picture,
	colour: PhotoColour,
	invertedCmyk: boolean,
	budget: PhotoBudget,
): Promise<Picture> {
	const cmyk = picture.channels === 4;
	if (!cmyk && colour.convertedFrom === undefined) return picture;
	const cost = conversionCost(picture, colour.profile);
	budget.ensureAffordable(cost.units, 'converting its colours to sRGB');
	budget.claim(cost.pictureBytes + cost.tableBytes, 'a colour conversion');
	// Each checkpoint call spends its share; what a small picture converts between fewer calls
	// than estimated (or none) is spent at the end, so the budget sees all of it.
	const share = Math.ceil(cost.units / Math.max(1, cost.checkpoints));
	let spent = 0;
	const checkpoint = (): Promise<void> => {
		const units = Math.min(share, cost.units - spent);
		spent += units;
		return budget.tick(units);
	};
	const converted = cmyk
		? await cmykPictureToSrgb(picture, colour.profile, invertedCmyk, checkpoint)
		: await toSrgb(picture, colour.profile, checkpoint);
	budget.release(cost.tableBytes);
	await budget.tick(cost.units - spent);
	return converted;
}

function nameOf(profile: IccProfile): string {
	return profile.description || 'ICC profile';
}
