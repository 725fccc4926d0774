/**
 * What Kredibel must receive for the phone photo (twelveMegapixelPhoto: 4000x3000 stored
 * sideways, EXIF orientation 6, GPS, make, model and time, about 4 MB), whatever the source: a
 * JPEG within 1 MB, upright (portrait, the marker in the corner the camera meant), long side at
 * least 1024 px, no metadata left. Checked on the bytes the sandbox logged, decoded by djpeg.
 */
import { readJpegInfo, type JpegInfo } from '../../../nodes/KredibelBiometric/photo/jpegDecode';
import { readPnm } from '../../helpers/referenceTools';
import { djpeg } from '../../unit/photo/photoFixtures';
import { hasText, markedCorners, STORED_TOP_LEFT_GOES_TO } from '../../unit/photo/phonePhoto';

/** Kredibel's limit and the node's default Max Image Size. */
export const ONE_MB = 1024 * 1024;

/** Strings of the phone's EXIF APP1 (exifFixture.ts): none may reach Kredibel. */
export const PHONE_METADATA = ['Exif', 'PhoneMakerCorp', 'SecretModel', '2026:12:06'];

/** Asserts the sent bytes are the prepared phone photo; returns their size for the caller's log. */
export function expectPreparedPhonePhoto(sent: Buffer | undefined): JpegInfo {
	expect(sent).toBeDefined();
	const bytes = sent!;
	expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
	expect(bytes.length).toBeLessThanOrEqual(ONE_MB);
	const info = readJpegInfo(bytes);
	expect(info.height).toBeGreaterThan(info.width); // 4000x3000 stored, orientation 6: portrait
	expect(Math.max(info.width, info.height)).toBeGreaterThanOrEqual(1024);
	const left = PHONE_METADATA.filter((text) => hasText(bytes, text));
	expect(left).toEqual([]);
	const picture = readPnm(djpeg(bytes));
	expect([picture.width, picture.height]).toEqual([info.width, info.height]);
	expect(markedCorners(picture)).toEqual([STORED_TOP_LEFT_GOES_TO[6]]);
	return info;
}
