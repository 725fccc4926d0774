/**
 * Why this file exists: preparePhoto decides between sending a photo unchanged, without its
 * metadata, or re-encoded, and an embedded colour profile takes part in that decision: once the
 * profile is dropped, pixels coded for Display P3 or ProPhoto would be read as sRGB (blue turns
 * violet), and CMYK must never reach Kredibel (it, like browsers, would read its inks as RGB).
 * This reads what a photo's profile means for it, in one place for JPEG and PNG: whether its
 * pixels must be converted, from what (for the `photo.colourConverted` record), and the parsed
 * profile to convert with; and converts a decoded picture accordingly.
 */

import { cmykPictureToSrgb, isSrgbEquivalent, profileFits, toSrgb } from './colourTransform';
import { type IccProfile, readIccProfile } from './iccProfile';
import type { Checkpoint, Picture } from './picture';

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
 * 255 - ink, jpegDecode.ts storesInvertedCmyk). As it is when nothing is to convert.
 */
export async function pictureInSrgb(
	picture: Picture,
	colour: PhotoColour,
	invertedCmyk: boolean,
	checkpoint: Checkpoint,
): Promise<Picture> {
	if (picture.channels === 4) {
		return cmykPictureToSrgb(picture, colour.profile, invertedCmyk, checkpoint);
	}
	if (colour.convertedFrom === undefined) return picture;
	return toSrgb(picture, colour.profile, checkpoint);
}

function nameOf(profile: IccProfile): string {
	return profile.description || 'ICC profile';
}
