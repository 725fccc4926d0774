/**
 * Why this file exists: phones and editors embed an ICC profile that says what the pixel values
 * mean (Display P3 on iPhones, Adobe RGB or ProPhoto from cameras and editors, a press CMYK
 * profile in print files); Kredibel's matcher assumes sRGB. This reads the parts of a profile
 * (ICC.1:2022, v2 and v4) needed to convert to sRGB with the perceptual intent, as Little CMS
 * does by default: the header, the tag table, the description, and either the A2B0 table, or the
 * matrix/TRC model of RGB profiles (rXYZ/gXYZ/bXYZ colorants, rTRC/gTRC/bTRC curves), or the
 * grey kTRC. The chromatic adaptation tag (chad) is not read: for the relative and perceptual
 * intents Little CMS uses the colorants as they are (already adapted to D50), chad only matters
 * for absolute colorimetric. Floating-point DToB tags (which Little CMS would prefer) are not
 * read either: photo profiles carry A2B0 or a matrix (one that also has DToB goes through its A2B0).
 *
 * Hostile profiles: the size is capped (MAX_PROFILE_BYTES), the tag count too (as Little CMS, 100),
 * tag entries outside the profile are skipped, every read is bounded (iccBytes.ts), tables are
 * capped (iccCurves.ts, iccLut.ts), and a matrix that cannot be a display's (not invertible, or
 * white far from D50's brightness) is refused. `readIccProfile` turns every such case into
 * `undefined`: the photo is then converted as if it carried no profile (as browsers treat a
 * profile they cannot use), never refused for it, since the profile is optional metadata.
 */

import { IccDamage, IccReader } from './iccBytes';
import { readToneCurve, type ToneCurve } from './iccCurves';
import { type LutPipeline, readLutPipeline } from './iccLut';

export type IccColourSpace = 'RGB' | 'GRAY' | 'CMYK';

export interface IccProfile {
	/** The header's version field (e.g. 0x04300000 for 4.3): v4 changes black point handling. */
	version: number;
	colourSpace: IccColourSpace;
	pcs: 'XYZ' | 'Lab';
	/** The profile's own name (desc tag), cleaned and cut short; '' when it has none. */
	description: string;
	/** A2B0 (perceptual) when present: it takes precedence over the matrix, as in Little CMS. */
	aToB?: LutPipeline;
	/** RGB matrix/TRC: XYZ = colorants x linear RGB, row-major [Xr Xg Xb Yr Yg Yb Zr Zg Zb]. */
	colorants?: number[];
	/** RGB: the three TRCs; grey: the one kTRC. */
	curves?: ToneCurve[];
}

/** Far above real profiles (a detailed CMYK profile is 0.5-2 MB), and bounds the copy. */
export const MAX_PROFILE_BYTES = 4 * 1024 * 1024;
/** Little CMS refuses more tags than this (MAX_TABLE_TAG). */
const MAX_TAGS = 100;
const HEADER_BYTES = 128;
/** Longest description kept for the output's `photo.colourConverted`. */
export const MAX_DESCRIPTION_LENGTH = 40;

const COLOUR_SPACES: Record<string, IccColourSpace> = { 'RGB ': 'RGB', GRAY: 'GRAY', CMYK: 'CMYK' };
/** Device classes that convert device values to the PCS: input, display, output, colour space. */
const DEVICE_CLASSES = new Set(['scnr', 'mntr', 'prtr', 'spac']);

/** The profile, or undefined when it is damaged, hostile or of a kind not converted here. */
export function readIccProfile(bytes: Uint8Array): IccProfile | undefined {
	try {
		return parseIccProfile(bytes);
	} catch {
		// IccDamage, or anything else a hostile profile provokes: the profile is not used.
		return undefined;
	}
}

/** Parses a profile; throws IccDamage for anything `readIccProfile` ignores. */
export function parseIccProfile(bytes: Uint8Array): IccProfile {
	if (bytes.length < HEADER_BYTES + 4) throw new IccDamage('a profile shorter than its header');
	if (bytes.length > MAX_PROFILE_BYTES) throw new IccDamage('a profile above the size limit');
	const whole = new IccReader(bytes, 0, bytes.length);
	const declared = whole.u32(0);
	if (declared < HEADER_BYTES + 4 || declared > bytes.length) {
		throw new IccDamage('a profile whose size field does not match its bytes');
	}
	const profile = new IccReader(bytes, 0, declared);
	if (profile.signature(36) !== 'acsp') throw new IccDamage('no profile signature');
	const deviceClass = profile.signature(12);
	if (!DEVICE_CLASSES.has(deviceClass)) throw new IccDamage(`a profile of class '${deviceClass}'`);
	const colourSpace = COLOUR_SPACES[profile.signature(16)];
	if (!colourSpace) throw new IccDamage(`a profile for '${profile.signature(16)}' pixels`);
	const pcsSignature = profile.signature(20);
	if (pcsSignature !== 'XYZ ' && pcsSignature !== 'Lab ') {
		throw new IccDamage(`a connection space '${pcsSignature}'`);
	}
	const tags = readTagTable(profile);
	const result: IccProfile = {
		version: profile.u32(8),
		colourSpace,
		pcs: pcsSignature === 'XYZ ' ? 'XYZ' : 'Lab',
		description: readDescription(tags.get('desc')),
	};
	const aToB = tags.get('A2B0');
	if (aToB) {
		result.aToB = readLutPipeline(aToB);
		const channels = colourSpace === 'GRAY' ? 1 : colourSpace === 'RGB' ? 3 : 4;
		if (result.aToB.inputs !== channels) {
			throw new IccDamage('an A2B0 table whose inputs do not match the colour space');
		}
		return result;
	}
	if (colourSpace === 'CMYK') throw new IccDamage('a CMYK profile without an A2B0 table');
	if (colourSpace === 'GRAY') {
		result.curves = [requiredCurve(tags, 'kTRC')];
		return result;
	}
	result.curves = ['rTRC', 'gTRC', 'bTRC'].map((name) => requiredCurve(tags, name));
	result.colorants = readColorants(tags);
	return result;
}

/** Tag signature -> a reader over the tag's bytes; entries outside the profile are skipped. */
function readTagTable(profile: IccReader): Map<string, IccReader> {
	const count = profile.u32(HEADER_BYTES);
	if (count > MAX_TAGS) throw new IccDamage(`a profile of ${count} tags`);
	const tags = new Map<string, IccReader>();
	const size = profile.end;
	for (let i = 0; i < count; i++) {
		const entry = HEADER_BYTES + 4 + 12 * i;
		const signature = profile.signature(entry);
		const offset = profile.u32(entry + 4);
		const length = profile.u32(entry + 8);
		if (length < 8 || offset < HEADER_BYTES || offset + length > size) continue;
		if (!tags.has(signature)) tags.set(signature, profile.sub(offset, length));
	}
	return tags;
}

function requiredCurve(tags: Map<string, IccReader>, name: string): ToneCurve {
	const tag = tags.get(name);
	if (!tag) throw new IccDamage(`no ${name} tag`);
	return readToneCurve(tag, 0).curve;
}

/** rXYZ, gXYZ, bXYZ (XYZType, ICC.1 10.31) as a row-major matrix, checked for sense. */
function readColorants(tags: Map<string, IccReader>): number[] {
	const columns = ['rXYZ', 'gXYZ', 'bXYZ'].map((name) => {
		const tag = tags.get(name);
		if (!tag || tag.signature(0) !== 'XYZ ') throw new IccDamage(`no ${name} tag`);
		return [tag.s15f16(8), tag.s15f16(12), tag.s15f16(16)];
	});
	const matrix = [0, 1, 2].flatMap((row) => columns.map((column) => column[row]));
	const whiteY = matrix[3] + matrix[4] + matrix[5];
	if (!(whiteY > 0.5 && whiteY < 2) || Math.abs(determinant(matrix)) < 1e-6) {
		throw new IccDamage('colorants that cannot describe a display');
	}
	return matrix;
}

export function determinant(m: number[]): number {
	return (
		m[0] * (m[4] * m[8] - m[5] * m[7]) -
		m[1] * (m[3] * m[8] - m[5] * m[6]) +
		m[2] * (m[3] * m[7] - m[4] * m[6])
	);
}

/** The name from desc (v2 textDescriptionType, v4 mluc, or text); '' when absent or unreadable. */
function readDescription(tag: IccReader | undefined): string {
	if (!tag) return '';
	try {
		return cleanDescription(readDescriptionText(tag));
	} catch {
		return ''; // a damaged description costs the name only
	}
}

/** Read at most this many characters of a description, whatever its length field says. */
const DESCRIPTION_READ_LIMIT = 256;

function readDescriptionText(tag: IccReader): string {
	const type = tag.signature(0);
	const chars: number[] = [];
	if (type === 'desc' || type === 'text') {
		const start = type === 'desc' ? 12 : 8;
		const count = type === 'desc' ? tag.u32(8) : tag.remaining(8);
		const limit = Math.min(count, DESCRIPTION_READ_LIMIT, tag.remaining(start));
		for (let i = 0; i < limit; i++) chars.push(tag.u8(start + i));
	} else if (type === 'mluc') {
		const records = tag.u32(8);
		const recordSize = tag.u32(12);
		if (records === 0 || recordSize < 12) return '';
		// The English record when there is one (within the first few), else the first.
		let chosen = 16;
		for (let i = 0; i < Math.min(records, 32); i++) {
			if (tag.u16(16 + i * recordSize) === 0x656e) {
				chosen = 16 + i * recordSize;
				break;
			}
		}
		const length = Math.min(tag.u32(chosen + 4) >> 1, DESCRIPTION_READ_LIMIT);
		const offset = tag.u32(chosen + 8);
		for (let i = 0; i < length; i++) chars.push(tag.u16(offset + 2 * i));
	}
	const end = chars.indexOf(0);
	return String.fromCharCode(...(end >= 0 ? chars.slice(0, end) : chars));
}

/** Printable characters only, spaces collapsed, cut to MAX_DESCRIPTION_LENGTH. */
export function cleanDescription(text: string): string {
	let printable = '';
	for (const char of text) {
		const code = char.codePointAt(0) as number;
		const control =
			code < 0x20 || (code >= 0x7f && code < 0xa0) || code === 0x2028 || code === 0x2029;
		const loneSurrogate = code >= 0xd800 && code <= 0xdfff;
		printable += control || loneSurrogate ? ' ' : char;
	}
	printable = printable.replace(/\s+/g, ' ').trim();
	return printable.length > MAX_DESCRIPTION_LENGTH
		? `${printable.slice(0, MAX_DESCRIPTION_LENGTH - 1)}…`
		: printable;
}
