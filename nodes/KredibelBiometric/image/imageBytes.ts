/**
 * Face image checks that can be made locally, before any (possibly charged) request:
 * base64 decoding, format sniffing by magic bytes, the size limit, and taking the photo out of
 * an SVG that wraps one (an SVG itself is never sent).
 */
import { type Failure, quoteValue } from '../common';
import { decodeBase64Payload, decodeBase64Text } from './base64Payload';
import { findWrappedPhoto } from './svg';

export type ImageFormat = 'jpeg' | 'png' | 'svg';

type ImageProblem = {
	errorType:
		| 'missing_image'
		| 'invalid_base64_encoding'
		| 'unsupported_image_format'
		| 'image_too_large';
	reason: string;
	hint: string;
};

type DecodedBase64 = { ok: true; bytes: Buffer } | { ok: false; problem: ImageProblem };

/** The bytes of an image as read (a download, a binary property), or why they could not be. */
export type BytesRead = { ok: true; bytes: Buffer } | { ok: false; failure: Failure };

/** MIME types the node takes in data: URLs: photos, and SVGs for the photo they wrap. */
const ACCEPTED_MIME_TYPES = new Set([
	'image/jpeg',
	'image/jpg',
	'image/pjpeg',
	'image/png',
	'image/svg+xml',
]);

/** A data: URL's header ("data:image/jpeg;base64,") is short; a longer one is not an image URL. */
const MAX_DATA_URL_HEADER = 256;
/** A data: URL whose payload is blank (only the start is looked at: the rest is decoded anyway). */
const ONLY_WHITESPACE = /^\s*$/;

/** With Prepare Photo off, the user must shrink or convert the photo before the node. */
export const RESIZE_HINT =
	"Resize or recompress the photo first, e.g. with n8n's Edit Image node (Resize, then Quality about 80), or raise Max Image Size if Kredibel accepts it.";
const FORMAT_HINT =
	"The node sends JPEG and PNG photos. Convert the photo first, e.g. with n8n's Edit Image node (Format: JPEG).";

/** With Prepare Photo on the node shrinks and converts itself: no other node to point to. */
export const PREPARED_HINTS = {
	tooLarge:
		'Send a smaller photo: with Prepare Photo on, the node accepts photos up to 25 MB and 50 megapixels and shrinks them to Max Image Size itself.',
	format:
		'The node sends JPEG and PNG photos. Send the photo as JPEG or PNG (a phone can save JPEG instead of HEIC); the node then makes it upright and small enough itself.',
	maxImageSize:
		'The limit met is Max Image Size: raise it (Kredibel itself accepts up to 1024 KB), or send a photo with less fine detail or noise.',
};

/** Any SVG but one wrapping a photo: the photo itself is what to send. */
const SVG_HINT =
	'Upload the photo itself (JPEG or PNG) instead of an SVG. An SVG is never sent to Kredibel; the node takes from it only a single JPEG or PNG photo embedded in an <image> element as a data: URL.';

export interface ImageHints {
	tooLarge: string;
	format: string;
}

const TODAY_HINTS: ImageHints = { tooLarge: RESIZE_HINT, format: FORMAT_HINT };

/**
 * Decodes the Base64 Image field: plain base64 or a data: URL, with any whitespace or line
 * breaks that copy-paste and MIME encoders add. URL-safe base64 (-, _) is accepted too, since
 * browsers and some SDKs produce it; what is sent to Kredibel is always standard base64. The text
 * is decoded a chunk at a time with `checkpoint` between chunks: a 25 MB photo is 33 MB of text,
 * which whole-string passes would take up to a second to clean and check on n8n's one thread.
 */
export async function decodeBase64Image(
	input: unknown,
	maxBytes = Number.POSITIVE_INFINITY,
	hints: ImageHints = TODAY_HINTS,
	checkpoint: () => Promise<void> = async () => {},
): Promise<DecodedBase64> {
	const empty: DecodedBase64 = {
		ok: false,
		problem: {
			errorType: 'missing_image',
			reason: 'The Base64 Image field is empty',
			hint: 'Map it to the field that holds the selfie as base64, or switch Image Source to Binary.',
		},
	};
	if (typeof input !== 'string') return empty;
	// Checked before any decoding or pattern work, so a huge field costs nothing. Whitespace and
	// line breaks are allowed, hence the room above the exact base64 length.
	const maxChars = Math.ceil(maxBytes / 3) * 4 * 1.5 + MAX_DATA_URL_HEADER;
	if (input.length > maxChars) {
		return tooLarge(
			`The Base64 Image field holds ${input.length} characters, more than an image within the ${formatKb(maxBytes)} KB limit can take`,
			hints,
		);
	}
	const text = input.trim();
	if (text === '') return empty;
	let start = 0;
	if (text.slice(0, 5).toLowerCase() === 'data:') {
		const comma = text.indexOf(',', 5);
		if (comma === -1 || comma > MAX_DATA_URL_HEADER) {
			return invalidBase64(
				`The data: URL has no "," within its first ${MAX_DATA_URL_HEADER} characters, so it holds no image data`,
			);
		}
		const [rawMimeType, ...parameters] = text.slice(5, comma).split(';');
		const mimeType = rawMimeType.trim().toLowerCase();
		const isBase64 = parameters.some((parameter) => parameter.trim().toLowerCase() === 'base64');
		if (!isBase64) {
			return invalidBase64('The data: URL is not base64-encoded (it has no ";base64" marker)');
		}
		if (mimeType !== '' && !ACCEPTED_MIME_TYPES.has(mimeType)) {
			return {
				ok: false,
				problem: {
					errorType: 'unsupported_image_format',
					reason: `The data: URL holds ${quoteValue(mimeType)}, not a JPEG, PNG or SVG image`,
					hint: hints.format,
				},
			};
		}
		if (ONLY_WHITESPACE.test(text.slice(comma + 1, comma + 1 + MAX_DATA_URL_HEADER))) {
			return {
				ok: false,
				problem: {
					errorType: 'missing_image',
					reason: 'The data: URL holds no image data',
					hint: 'Check the field that holds the selfie.',
				},
			};
		}
		start = comma + 1;
	}
	const decoded = await decodeBase64Text(text, start, maxBytes, checkpoint);
	if (decoded.ok) return decoded;
	if (decoded.tooLarge) {
		return tooLarge(
			`The Base64 Image field decodes to more than the ${formatKb(maxBytes)} KB limit`,
			hints,
		);
	}
	return invalidBase64(`The Base64 Image field is not valid base64: ${decoded.reason}`);
}

/** Above a size limit: the hint says what to change (a smaller photo, or Max Image Size). */
function tooLarge(reason: string, hints: ImageHints): DecodedBase64 {
	return { ok: false, problem: { errorType: 'image_too_large', reason, hint: hints.tooLarge } };
}

function invalidBase64(reason: string): DecodedBase64 {
	return {
		ok: false,
		problem: {
			errorType: 'invalid_base64_encoding',
			reason,
			hint: 'Pass the image as base64 text (A-Z, a-z, 0-9, +, /) or a data:image/...;base64, URL, or use Image Source: Binary.',
		},
	};
}

const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff]);
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** A PNG's first chunk is always IHDR, 8 bytes after the signature. */
const PNG_IHDR = Buffer.from('IHDR', 'latin1');
/** The smallest PNG holding an IHDR chunk: signature (8) + length (4) + type (4) + data (13) + CRC (4). */
const PNG_MIN_BYTES = 33;
/** SVG preambles can carry long comments or a DOCTYPE, but not this long. */
const SVG_SNIFF_BYTES = 64 * 1024;
/**
 * What may stand before <svg: a BOM, XML declaration, comments, DOCTYPE and whitespace. Each
 * part stops at its own closing mark, never past it, so the alternatives cannot overlap and
 * matching stays linear: a lazy `[\s\S]*?` backtracks exponentially on inputs such as many
 * empty comments, and lets `<!-- a -->--><svg>` through.
 */
const SVG_PREAMBLE =
	/^(?:\uFEFF)?(?:\s|<\?xml(?:(?!\?>)[\s\S])*\?>|<!--(?:(?!-->)[\s\S])*-->|<!DOCTYPE[^>]*>)*<svg[\s>/]/i;

/** Whether `bytes` starts with `prefix` at `offset`; a plain loop, as this runs for every item. */
function hasBytesAt(bytes: Buffer, prefix: Buffer, offset = 0): boolean {
	if (bytes.length < offset + prefix.length) return false;
	for (let i = 0; i < prefix.length; i++) if (bytes[offset + i] !== prefix[i]) return false;
	return true;
}

/** Identifies JPEG, PNG and SVG by their first bytes, never by file name or MIME type. */
export function sniffImageFormat(bytes: Buffer): ImageFormat | undefined {
	if (bytes.length > JPEG_MAGIC.length && hasBytesAt(bytes, JPEG_MAGIC)) return 'jpeg';
	if (
		bytes.length >= PNG_MIN_BYTES &&
		hasBytesAt(bytes, PNG_MAGIC) &&
		hasBytesAt(bytes, PNG_IHDR, 12)
	) {
		return 'png';
	}
	if (SVG_PREAMBLE.test(bytes.subarray(0, SVG_SNIFF_BYTES).toString('utf8'))) return 'svg';
	return undefined;
}

/** Names common formats people send by mistake, so the error can say what the file really is. */
function describeUnsupportedFormat(bytes: Buffer): string {
	const head = bytes.subarray(0, 16);
	const ascii = head.toString('latin1');
	if (ascii.startsWith('GIF87a') || ascii.startsWith('GIF89a')) return 'a GIF image';
	if (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WEBP') return 'a WebP image';
	if (ascii.slice(4, 8) === 'ftyp') {
		const brand = ascii.slice(8, 12);
		return /hei|hev|mif1|msf1/.test(brand) ? 'a HEIC/HEIF image' : 'an MP4/QuickTime or AVIF file';
	}
	if (ascii.startsWith('%PDF')) return 'a PDF document';
	if (ascii.startsWith('BM')) return 'a BMP image';
	if (
		head.subarray(0, 4).equals(Buffer.from([0x49, 0x49, 0x2a, 0x00])) ||
		ascii.startsWith('MM\u0000*')
	) {
		return 'a TIFF image';
	}
	if (head.subarray(0, 2).equals(JPEG_MAGIC.subarray(0, 2))) {
		// Three bytes or fewer were cut off; a longer file with a broken start was damaged.
		return bytes.length <= JPEG_MAGIC.length
			? 'a truncated JPEG'
			: 'a damaged JPEG (its first bytes are not a valid JPEG start)';
	}
	if (ascii.slice(1, 4) === 'PNG') return describeBrokenPng(bytes);
	if (ascii.startsWith('PK\u0003\u0004')) return 'a ZIP archive';
	return 'not a JPEG, PNG or SVG image';
}

/**
 * What is wrong with bytes that start like a PNG but are not one: cut before its header, or
 * damaged, most often by a transfer in text mode that changed the line ends of the signature
 * (libpng's "PNG file corrupted by ASCII conversion").
 */
function describeBrokenPng(bytes: Buffer): string {
	if (!hasBytesAt(bytes, PNG_MAGIC)) {
		return 'a damaged PNG (its signature was changed, as a transfer in text mode does)';
	}
	if (bytes.length < PNG_MIN_BYTES) return 'a truncated PNG';
	return 'a damaged PNG (it does not start with its header chunk)';
}

/** Checks decoded bytes: present, a supported format, and within the size limit. */
export function checkImageBytes(
	bytes: Buffer,
	maxBytes: number,
	hints: ImageHints = TODAY_HINTS,
): ImageProblem | undefined {
	if (bytes.length === 0) {
		return {
			errorType: 'missing_image',
			reason: 'The image is empty (0 bytes)',
			hint: 'Check the step that produced the selfie; the upload may have failed.',
		};
	}
	const format = sniffImageFormat(bytes);
	if (format === undefined) {
		return {
			errorType: 'unsupported_image_format',
			reason: `The image is ${describeUnsupportedFormat(bytes)}`,
			hint: hints.format,
		};
	}
	if (bytes.length > maxBytes) {
		return {
			errorType: 'image_too_large',
			reason: `The image is ${formatKb(bytes.length)} KB, above the ${formatKb(maxBytes)} KB limit`,
			hint: hints.tooLarge,
		};
	}
	// An SVG is never sent: only the photo it wraps (unwrapSvgPhoto), which is checked as a photo.
	if (format === 'svg') {
		return {
			errorType: 'unsupported_image_format',
			reason: 'The image is an SVG, and an SVG is never sent to Kredibel',
			hint: SVG_HINT,
		};
	}
	return undefined;
}

/**
 * The photo an SVG wraps (see svg.ts), decoded and checked to be a JPEG or PNG by its own bytes,
 * within `maxBytes`; or why the SVG gives none. `checkpoint` runs between chunks of the scan.
 */
export async function unwrapSvgPhoto(
	svg: Buffer,
	maxBytes: number,
	checkpoint: () => Promise<void>,
	hints: ImageHints = TODAY_HINTS,
): Promise<DecodedBase64> {
	const refused = (reason: string): DecodedBase64 => ({
		ok: false,
		problem: { errorType: 'unsupported_image_format', reason, hint: SVG_HINT },
	});
	const found = await findWrappedPhoto(svg, checkpoint);
	if (!found.ok) return refused(`The SVG is not sent: ${found.reason}`);
	const decoded = await decodeBase64Payload(svg, found.start, found.end, maxBytes, checkpoint);
	if (!decoded.ok && decoded.tooLarge) {
		return tooLarge(
			`The photo inside the SVG is larger than the ${formatKb(maxBytes)} KB limit`,
			hints,
		);
	}
	if (!decoded.ok) {
		return refused(`The photo inside the SVG could not be decoded: ${decoded.reason}`);
	}
	const format = sniffImageFormat(decoded.bytes);
	if (format !== 'jpeg' && format !== 'png') {
		const what = format === 'svg' ? 'another SVG' : describeUnsupportedFormat(decoded.bytes);
		return refused(`The image inside the SVG is not a JPEG or PNG photo (it is ${what})`);
	}
	return decoded;
}

export function formatKb(bytes: number): string {
	return (bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0);
}
