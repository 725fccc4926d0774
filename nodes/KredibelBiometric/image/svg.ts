/**
 * Finds the photo an SVG wraps. An SVG is never forwarded: it is a program as much as a picture
 * (scripts, event handlers, HTML, CSS whose escapes such as `\75 rl(` hide links, `srcset`,
 * `poster`, a `meta` refresh), and every checker of what a browser or rasteriser would do with
 * one lags behind them. Kredibel's face matcher needs a photo, so the only SVG the node takes is
 * one that wraps a photo: one `<image>` element (any namespace prefix) whose `href` or
 * `xlink:href` is a `data:image/jpeg` or `data:image/png` URL. That photo is what goes on, through
 * the same checks and preparation as any JPEG or PNG; nothing else of the SVG is ever used.
 *
 * The reading is a scan, not a parser: it jumps from `<` to `<` with the native search, skips
 * comments, CDATA and declarations, and reads the attributes of `image` elements only. Linear in
 * the size, no pattern over the document, and it calls `checkpoint` after every SCAN_CHUNK bytes
 * so that even a 25 MB file of tags never holds the event loop.
 */

/**
 * Where the base64 text of the one photo the SVG wraps lies in it ([start, end) of the bytes after
 * the data URL's comma), or why there is none to take.
 */
export type WrappedPhoto = { ok: true; start: number; end: number } | { ok: false; reason: string };

const SCAN_CHUNK = 64 * 1024;
/** The media types of a photo in a data URL; anything else (another SVG, a GIF) is not one. */
const PHOTO_TYPES = new Set(['image/jpeg', 'image/jpg', 'image/pjpeg', 'image/png']);
/** A data URL's header ("data:image/jpeg;base64,") is short. */
const MAX_DATA_URL_HEADER = 256;

/**
 * Read once, not per tag: where code runs in a vm realm (Jest's test environment) every global
 * lookup such as `Math` goes through the sandbox, which made the scan twenty times slower there.
 */
const { min, max } = Math;

const LESS_THAN = 0x3c;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;

function isSpace(byte: number): boolean {
	return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/** Name characters as XML has them, and any byte of a multi-byte UTF-8 character. */
function isNameByte(byte: number): boolean {
	return (
		(byte >= 0x61 && byte <= 0x7a) ||
		(byte >= 0x41 && byte <= 0x5a) ||
		(byte >= 0x30 && byte <= 0x39) ||
		byte === 0x3a ||
		byte === 0x5f ||
		byte === 0x2d ||
		byte === 0x2e ||
		byte >= 0x80
	);
}

/**
 * The first `byte` in [from, to), or -1. A plain loop: a file of millions of tiny tags would cost
 * a native call each with Buffer#indexOf, far more than the bytes themselves.
 */
function findByte(bytes: Buffer, from: number, to: number, byte: number): number {
	for (let at = from; at < to; at++) if (bytes[at] === byte) return at;
	return -1;
}

function startsWithAt(bytes: Buffer, at: number, text: string): boolean {
	for (let k = 0; k < text.length; k++) if (bytes[at + k] !== text.charCodeAt(k)) return false;
	return true;
}

/** Whether `lower` (lower case ASCII) is at `at`, in any case. */
function startsWithAnyCase(bytes: Buffer, at: number, lower: string): boolean {
	for (let k = 0; k < lower.length; k++) {
		if ((bytes[at + k] | 0x20) !== lower.charCodeAt(k)) return false;
	}
	return true;
}

/**
 * Whether the name at [start, end) is `local` after any namespace prefix (`svg:image`), in any
 * case; `local` is lower case. No text is made of the name: this runs for every tag.
 */
function hasLocalName(bytes: Buffer, start: number, end: number, local: string): boolean {
	const from = end - local.length;
	if (from < start || (from > start && bytes[from - 1] !== 0x3a)) return false;
	return startsWithAnyCase(bytes, from, local);
}

interface DataUrl {
	/** The media type, lower case (`image/png`). */
	type: string;
	base64: boolean;
	/** Where the data begins (after the comma). */
	dataStart: number;
}

/** A link's data URL header, or undefined for any other link (or a header too long to be one). */
function readDataUrl(bytes: Buffer, start: number, end: number): DataUrl | undefined {
	let at = start;
	while (at < end && isSpace(bytes[at])) at++;
	// Most links are not data URLs: no text is made of them.
	if (!startsWithAnyCase(bytes, at, 'data:')) return undefined;
	const head = bytes.toString('latin1', at, min(end, at + MAX_DATA_URL_HEADER));
	const comma = head.indexOf(',');
	if (head.slice(0, 5).toLowerCase() !== 'data:' || comma === -1) return undefined;
	const [type, ...parameters] = head.slice(5, comma).split(';');
	return {
		type: type.trim().toLowerCase(),
		base64: parameters.some((parameter) => parameter.trim().toLowerCase() === 'base64'),
		dataStart: at + comma + 1,
	};
}

/** Longer names or gaps inside a tag are not an `image` element's: the tag is passed over. */
const MAX_NAME = 256;
const MAX_GAP = 64;

type ScanState =
	| { kind: 'text' }
	| { kind: 'skip'; end: string }
	| { kind: 'attributes' }
	| { kind: 'value'; quote: number; start: number; isLink: boolean };

/** The states that hold nothing else are made once: a file can switch state millions of times. */
const TEXT: ScanState = { kind: 'text' };
const ATTRIBUTES: ScanState = { kind: 'attributes' };
const SKIP_COMMENT: ScanState = { kind: 'skip', end: '-->' };
const SKIP_CDATA: ScanState = { kind: 'skip', end: ']]>' };
const SKIP_DECLARATION: ScanState = { kind: 'skip', end: '>' };

/** A photo wrapper has one `image` element; a file with this many more is not one. */
const MAX_IMAGE_ELEMENTS = 1_000;

/**
 * A resumable scan: `run` works synchronously up to a position and returns, so that the caller
 * can let the event loop run between chunks; every search is bounded by that position.
 */
class SvgScanner {
	private at = 0;
	private state: ScanState = TEXT;
	/** The link of the `image` element being read. */
	private link: [number, number] | undefined;
	/** The state inside an attribute value, reused: an element can hold millions of them. */
	private readonly value: Extract<ScanState, { kind: 'value' }> = {
		kind: 'value',
		quote: 0,
		start: 0,
		isLink: false,
	};
	/** `image` elements met; past MAX_IMAGE_ELEMENTS the scan stops. */
	images = 0;
	/** Each photo found: its data URL header and where its link ends. */
	readonly photos: Array<{ url: DataUrl; end: number }> = [];
	/** `image` elements whose link is not a photo (an outside link, another SVG, a GIF). */
	otherImages = 0;

	private readonly length: number;

	constructor(private readonly bytes: Buffer) {
		this.length = bytes.length;
	}

	/** Whether there is nothing left to read: the end, a second photo, or too many images. */
	get done(): boolean {
		return this.at >= this.length || this.photos.length > 1 || this.tooManyImages;
	}

	get tooManyImages(): boolean {
		return this.images > MAX_IMAGE_ELEMENTS;
	}

	/** Scans on until `limit` (or a little past it, within one tag's name and gaps). */
	run(limit: number): void {
		const end = min(limit, this.length);
		while (this.at < end && !this.done) {
			switch (this.state.kind) {
				case 'text':
					this.readText(end);
					break;
				case 'skip':
					this.skip(this.state.end, end);
					break;
				case 'attributes':
					this.readAttribute(end);
					break;
				default:
					this.readValue(this.state, end);
			}
		}
		if (this.at >= this.length && this.state.kind !== 'text') this.endImage();
	}

	/** Text between tags: on to the next `<`, and what kind of markup it opens. */
	private readText(end: number): void {
		const { bytes } = this;
		const lt = findByte(bytes, this.at, end, LESS_THAN);
		if (lt === -1) {
			this.at = end;
			return;
		}
		if (startsWithAt(bytes, lt, '<!--')) this.startSkip(lt + 4, SKIP_COMMENT);
		else if (startsWithAt(bytes, lt, '<![CDATA[')) this.startSkip(lt + 9, SKIP_CDATA);
		else if (bytes[lt + 1] === 0x21 || bytes[lt + 1] === 0x3f) {
			this.startSkip(lt + 2, SKIP_DECLARATION);
		} else {
			// A start tag (or an end tag, whose "/" is no name): only `image` is read further.
			const nameEnd = this.readName(lt + 1);
			this.at = max(nameEnd, lt + 2);
			if (hasLocalName(bytes, lt + 1, nameEnd, 'image')) {
				this.images++;
				this.link = undefined;
				this.state = ATTRIBUTES;
			}
		}
	}

	private startSkip(from: number, state: ScanState): void {
		this.at = from;
		this.state = state;
	}

	/** On past `text` (a comment's, CDATA's or declaration's end), or to `end` for now. */
	private skip(text: string, end: number): void {
		const first = text.charCodeAt(0);
		for (let at = findByte(this.bytes, this.at, end, first); at !== -1; ) {
			if (startsWithAt(this.bytes, at, text)) {
				this.at = at + text.length;
				this.state = TEXT;
				return;
			}
			at = findByte(this.bytes, at + 1, end, first);
		}
		this.at = end;
	}

	/** A name from `from` on, at most MAX_NAME bytes; where it ends. */
	private readName(from: number): number {
		const stop = min(this.length, from + MAX_NAME);
		let end = from;
		while (end < stop && isNameByte(this.bytes[end])) end++;
		return end;
	}

	/** Spaces from `from` on, at most MAX_GAP; where they end. */
	private skipGap(from: number): number {
		const stop = min(this.length, from + MAX_GAP);
		let end = from;
		while (end < stop && isSpace(this.bytes[end])) end++;
		return end;
	}

	/** The next attribute of an `image` element, up to its value; or the end of the tag. */
	private readAttribute(end: number): void {
		const { bytes } = this;
		// Long runs of spaces are read a chunk at a time.
		while (this.at < end && isSpace(bytes[this.at])) this.at++;
		if (this.at >= end) return;
		const nameEnd = this.readName(this.at);
		if (nameEnd === this.at || nameEnd - this.at >= MAX_NAME) {
			// ">", "/>", or something no attribute starts with: the tag is over.
			this.endImage();
			return;
		}
		const isLink = hasLocalName(bytes, this.at, nameEnd, 'href');
		let at = this.skipGap(nameEnd);
		if (bytes[at] !== EQUALS) {
			// An attribute without a value: the next one follows.
			this.at = at;
			if (at === nameEnd) this.endImage();
			return;
		}
		at = this.skipGap(at + 1);
		const quote = bytes[at];
		if (quote !== QUOTE && quote !== APOSTROPHE) {
			this.at = at;
			this.endImage();
			return;
		}
		this.at = at + 1;
		const { value } = this;
		value.quote = quote;
		value.start = at + 1;
		value.isLink = isLink;
		this.state = value;
	}

	/** On to the end of an attribute value (a data URL can be the whole file long). */
	private readValue(value: { quote: number; start: number; isLink: boolean }, end: number): void {
		const close = findByte(this.bytes, this.at, end, value.quote);
		if (close === -1) {
			this.at = end;
			return;
		}
		if (value.isLink) this.link = [value.start, close];
		this.at = close + 1;
		this.state = ATTRIBUTES;
	}

	/** The `image` element's tag is over: its link counts as a photo or as another image. */
	private endImage(): void {
		const { link } = this;
		this.state = TEXT;
		this.link = undefined;
		if (link === undefined) return;
		const url = readDataUrl(this.bytes, link[0], link[1]);
		if (url !== undefined && PHOTO_TYPES.has(url.type)) this.photos.push({ url, end: link[1] });
		else this.otherImages++;
	}
}

/**
 * The data URL of the one photo `bytes` (an SVG) wraps. More than one photo is refused too: the
 * node could not tell which one is the selfie.
 */
export async function findWrappedPhoto(
	bytes: Buffer,
	checkpoint: () => Promise<void>,
): Promise<WrappedPhoto> {
	const scanner = new SvgScanner(bytes);
	for (let limit = SCAN_CHUNK; !scanner.done; limit += SCAN_CHUNK) {
		scanner.run(limit);
		if (!scanner.done) await checkpoint();
	}
	const { photos, otherImages } = scanner;
	if (photos.length > 1) {
		return { ok: false, reason: 'it wraps more than one photo, so the selfie is not clear' };
	}
	if (scanner.tooManyImages) {
		return {
			ok: false,
			reason: `it has more than ${MAX_IMAGE_ELEMENTS.toLocaleString('en')} image elements; a photo wrapper has one`,
		};
	}
	if (photos.length === 0) {
		return {
			ok: false,
			reason:
				otherImages > 0
					? 'it holds no JPEG or PNG photo of its own (its images are links or other formats)'
					: 'it is a drawing, not a photo',
		};
	}
	const [{ url, end }] = photos;
	if (!url.base64) return { ok: false, reason: 'its photo is not base64-encoded' };
	return { ok: true, start: url.dataStart, end };
}
