import {
	checkImageBytes,
	decodeBase64Image,
	sniffImageFormat,
} from '../../nodes/KredibelBiometric/image/imageBytes';
import { makeJpeg, makeLargeJpeg, makePng, NOT_ACCEPTED, SVG_DRAWING } from '../fixtures/images';

const MB = 1024 * 1024;

describe('sniffImageFormat', () => {
	it.each([
		['JPEG', makeJpeg(), 'jpeg'],
		['PNG', makePng(), 'png'],
		['SVG with XML declaration and comment', SVG_DRAWING, 'svg'],
		[
			'SVG with BOM and DOCTYPE',
			Buffer.from(
				'\uFEFF<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x">\n<svg viewBox="0 0 1 1"/>',
			),
			'svg',
		],
		['bare SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>'), 'svg'],
	])('recognises %s', (_name, bytes, format) => {
		expect(sniffImageFormat(bytes)).toBe(format);
	});

	it.each([
		['GIF', NOT_ACCEPTED.gif],
		['WebP', NOT_ACCEPTED.webp],
		['HEIC', NOT_ACCEPTED.heic],
		['PDF', NOT_ACCEPTED.pdf],
		['plain text', NOT_ACCEPTED.text],
		['BMP', NOT_ACCEPTED.bmp],
		['HTML', Buffer.from('<!doctype html><html><body><svg></svg></body></html>')],
		['JPEG cut after two bytes', makeJpeg().subarray(0, 2)],
		['JPEG signature only', makeJpeg().subarray(0, 3)],
		['PNG cut inside its signature', makePng().subarray(0, 6)],
		['PNG cut before its IHDR chunk', makePng().subarray(0, 20)],
		['empty', Buffer.alloc(0)],
	])('refuses %s', (_name, bytes) => {
		expect(sniffImageFormat(bytes)).toBeUndefined();
	});
});

describe('checkImageBytes', () => {
	it('accepts a JPEG within the limit', () => {
		expect(checkImageBytes(makeJpeg(), MB)).toBeUndefined();
	});

	it.each([
		['GIF', NOT_ACCEPTED.gif, /a GIF image/],
		['WebP', NOT_ACCEPTED.webp, /a WebP image/],
		['HEIC', NOT_ACCEPTED.heic, /a HEIC\/HEIF image/],
		['PDF', NOT_ACCEPTED.pdf, /a PDF document/],
		['text', NOT_ACCEPTED.text, /not a JPEG, PNG or SVG image/],
		['truncated JPEG', makeJpeg().subarray(0, 3), /a truncated JPEG/],
		['truncated PNG', makePng().subarray(0, 20), /a truncated PNG/],
		[
			'PNG with a signature damaged by a text-mode transfer',
			Buffer.concat([
				Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0a, 0x1a, 0x0a]),
				makePng().subarray(8),
			]),
			/a damaged PNG \(its signature was changed/,
		],
		[
			'PNG without its header chunk',
			Buffer.concat([makePng().subarray(0, 12), Buffer.alloc(30)]),
			/a damaged PNG \(it does not start/,
		],
	])('names %s as an unsupported format and points to Edit Image', (_name, bytes, reason) => {
		const problem = checkImageBytes(bytes, MB);
		expect(problem?.errorType).toBe('unsupported_image_format');
		expect(problem?.reason).toMatch(reason);
		expect(problem?.hint).toMatch(/Edit Image/);
	});

	it('reports an empty image as missing', () => {
		expect(checkImageBytes(Buffer.alloc(0), MB)?.errorType).toBe('missing_image');
	});

	it('refuses an image above the limit, by decoded size, and points to Edit Image to resize', () => {
		const large = makeLargeJpeg(MB + 1);
		const problem = checkImageBytes(large, MB);
		expect(problem?.errorType).toBe('image_too_large');
		expect(problem?.reason).toMatch(/above the 1024 KB limit/);
		expect(problem?.hint).toMatch(/Edit Image/);
		expect(checkImageBytes(large, large.length)).toBeUndefined();
	});
});

describe('decodeBase64Image', () => {
	const jpeg = makeJpeg();
	const base64 = jpeg.toString('base64');

	// A 25 MB photo is 33 MB of text: read in one go it would hold n8n's event loop for up to a
	// second. The decoder reads it a chunk at a time and gives the caller a turn between chunks.
	it('gives the event loop a turn between chunks of a long field, and stops when told to', async () => {
		const photo = Buffer.alloc(4 * 1024 * 1024, 0x5a);
		photo.set(jpeg.subarray(0, 4));
		const text = photo.toString('base64').replace(/.{76}/g, '$&\n');
		let turns = 0;
		const decoded = await decodeBase64Image(text, photo.length, undefined, async () => {
			turns++;
		});
		expect(decoded.ok && decoded.bytes.equals(photo)).toBe(true);
		expect(turns).toBeGreaterThanOrEqual(Math.floor(text.length / (256 * 1024)));
		const stop = new Error('stopped');
		await expect(
			decodeBase64Image(text, photo.length, undefined, async () => {
				throw stop;
			}),
		).rejects.toBe(stop);
	});

	it('refuses characters outside ASCII rather than reading their low byte', async () => {
		// "ŁQ" would read as "AQ" if only the low byte of each character were kept.
		const decoded = await decodeBase64Image(`${base64.slice(0, 8)}\u0141${base64.slice(9)}`);
		expect(decoded.ok ? 'accepted' : decoded.problem.errorType).toBe('invalid_base64_encoding');
		const reference = await decodeBase64Image(`${base64.slice(0, 8)}&#65;${base64.slice(9)}`);
		expect(reference.ok ? 'accepted' : reference.problem.errorType).toBe('invalid_base64_encoding');
	});

	const decodes = async (input: string) => {
		const decoded = await decodeBase64Image(input);
		if (!decoded.ok) throw new Error(decoded.problem.reason);
		return decoded.bytes;
	};

	it('decodes plain base64 to the exact bytes', async () => {
		expect((await decodes(base64)).equals(jpeg)).toBe(true);
	});

	it('accepts data: URLs of accepted types', async () => {
		expect((await decodes(`data:image/jpeg;base64,${base64}`)).equals(jpeg)).toBe(true);
		expect(
			(await decodes(`data:image/png;base64,${makePng().toString('base64')}`)).equals(makePng()),
		).toBe(true);
		const svg = await decodes(
			`data:image/svg+xml;charset=utf-8;base64,${SVG_DRAWING.toString('base64')}`,
		);
		expect(svg.equals(SVG_DRAWING)).toBe(true);
		expect((await decodes(`DATA:IMAGE/JPEG;BASE64,${base64}`)).equals(jpeg)).toBe(true);
	});

	it('accepts whitespace and line breaks anywhere (MIME line wrapping, copy-paste)', async () => {
		const wrapped = `  ${base64.match(/.{1,76}/g)?.join('\r\n')}\n `;
		expect((await decodes(wrapped)).equals(jpeg)).toBe(true);
	});

	it('accepts URL-safe base64 and missing padding', async () => {
		const urlSafe = base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
		expect((await decodes(urlSafe)).equals(jpeg)).toBe(true);
	});

	it.each([
		['not base64 at all', 'this is not base64!'],
		['a stray character inside', `${base64.slice(0, 100)}*${base64.slice(100)}`],
		['padding in the middle', `${base64.slice(0, 8)}==${base64.slice(8)}`],
		['a length no base64 text can have (4n + 1)', 'QUJDR'],
		['data: URL without ;base64', `data:image/jpeg,${base64}`],
	])('refuses %s as invalid base64', async (_name, input) => {
		const decoded = await decodeBase64Image(input);
		expect(decoded.ok).toBe(false);
		if (!decoded.ok) expect(decoded.problem.errorType).toBe('invalid_base64_encoding');
	});

	it.each([
		['application/pdf', 'data:application/pdf;base64,JVBERi0xLjcK'],
		['image/gif', 'data:image/gif;base64,R0lGODlhAQABAAAAACw='],
		['text/plain', 'data:text/plain;base64,aGVsbG8='],
	])('refuses a data: URL of type %s as an unsupported format', async (_type, input) => {
		const decoded = await decodeBase64Image(input);
		expect(decoded.ok).toBe(false);
		if (!decoded.ok) expect(decoded.problem.errorType).toBe('unsupported_image_format');
	});

	it.each([
		['empty', ''],
		['blank', '  \n '],
		['undefined', undefined],
		['a number', 42],
		['an empty data: URL', 'data:image/png;base64,'],
	])('reports %s as a missing image', async (_name, input) => {
		const decoded = await decodeBase64Image(input);
		expect(decoded.ok).toBe(false);
		if (!decoded.ok) expect(decoded.problem.errorType).toBe('missing_image');
	});
});
