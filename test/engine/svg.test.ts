/**
 * An SVG is never forwarded (issue 24, item 7), inside n8n-core: an SVG wrapping one photo, given
 * as binary data, as base64 and as a link, sends Kredibel that photo, with Prepare Photo on (the
 * sideways phone photo is made upright and small) and off (the photo must pass the JPEG/PNG
 * checks itself); any other SVG is `unsupported_image_format`, free, and nothing is sent, also
 * in the stop-on-error check before the first request.
 */
import type { INodeParameters } from 'n8n-workflow';

import { readJpegInfo } from '../../nodes/KredibelBiometric/photo/jpegDecode';
import { startImageHost, type ImageHost } from '../fixtures/imageHost';
import { HOSTILE_SVGS, makeJpeg, SVG_FACE } from '../fixtures/images';
import { embeddedImage } from '../helpers/hostile/svg';
import { SANDBOX_NIKS } from '../sandbox/server';
import { twelveMegapixelPhoto } from '../unit/photo/phonePhoto';
import { allItems, useSandbox, verifyWith } from './harness/fixtures';

const env = useSandbox();
const JPEG = makeJpeg();
const svgAround = (photo: Buffer, extra = '') =>
	Buffer.from(
		`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">${extra}${embeddedImage(photo)}<script>fetch('//evil.example')</script></svg>`,
	);
const WRAPPED = svgAround(JPEG, '<rect fill="\\75 rl(https://evil.example/f)"/>');
let host: ImageHost;

beforeAll(async () => {
	host = await startImageHost({ images: { 'wrapped.svg': WRAPPED, 'face.svg': SVG_FACE } });
});
afterAll(async () => {
	await host.close();
});

/** One applicant whose selfie is `svg`, from the given source. */
async function verifySvg(
	source: 'binary' | 'base64' | 'url',
	svg: Buffer,
	options: INodeParameters = {},
	settings = { onError: 'continueRegularOutput' as const },
) {
	const parameters: INodeParameters =
		source === 'binary'
			? {}
			: source === 'base64'
				? { imageSource: 'base64', base64Image: '={{ $json.selfie }}' }
				: { imageSource: 'url', imageUrl: '={{ $json.link }}' };
	const name = svg === WRAPPED ? 'wrapped.svg' : 'face.svg';
	const run = await verifyWith(env.sandbox, {
		niks: [],
		items: [
			{
				json: {
					nik: SANDBOX_NIKS.match,
					selfie: `data:image/svg+xml;base64,${svg.toString('base64')}`,
					link: `${host.url}/images/${name}`,
				},
				binary: { data: { bytes: svg, mimeType: 'image/svg+xml' } },
			},
		],
		parameters,
		// The test image host listens on loopback, which Image URL refuses by default.
		options: { allowPrivateAddresses: true, ...options },
		settings,
	});
	return { run, item: allItems(run)[0] };
}

describe.each(['binary', 'base64', 'url'] as const)('an SVG given as %s', (source) => {
	it.each([true, false])(
		'wrapping a photo: Kredibel gets that photo, nothing of the SVG (Prepare Photo %s)',
		async (preparePhoto) => {
			const { item } = await verifySvg(source, WRAPPED, { preparePhoto });
			expect(item.json).toMatchObject({ result: 'match', charged: true });
			const [sent] = env.biometricRequests();
			expect(sent.faceImage?.equals(JPEG)).toBe(true);
		},
	);

	it('a drawing: unsupported_image_format, free, with the hint to upload the photo; nothing sent', async () => {
		const { item } = await verifySvg(source, SVG_FACE);
		expect(item.json).toMatchObject({ errorType: 'unsupported_image_format', charged: false });
		expect(item.json.description).toMatch(/Upload the photo itself/);
		expect(env.biometricRequests()).toHaveLength(0);
	});
});

/** Decoding and shrinking a 12 MP photo takes seconds on a busy machine. */
const PHOTO_TEST_TIMEOUT_MS = 120_000;

describe('an SVG wrapping a photo, further', () => {
	it(
		'the photo inside goes through Prepare Photo: the 12 MP sideways phone photo arrives upright, within 1 MB',
		async () => {
			const phone = Buffer.from(twelveMegapixelPhoto());
			const { item } = await verifySvg('binary', svgAround(phone));
			expect(item.json.result).toBe('match');
			const [sent] = env.biometricRequests();
			expect((sent.faceImage as Buffer).length).toBeLessThanOrEqual(1024 * 1024);
			const info = readJpegInfo(sent.faceImage as Buffer);
			expect(info.width).toBeLessThan(info.height);
		},
		PHOTO_TEST_TIMEOUT_MS,
	);

	it('with Prepare Photo off, the photo inside must pass the JPEG/PNG checks itself', async () => {
		const gif = Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(64, 1)]);
		const svg = Buffer.from(`<svg>${embeddedImage(gif, 'image/png')}</svg>`);
		const { item } = await verifySvg('binary', svg, { preparePhoto: false });
		expect(item.json).toMatchObject({ errorType: 'unsupported_image_format', charged: false });
		expect(item.json.error).toMatch(/a GIF image/);
		const phone = Buffer.from(twelveMegapixelPhoto());
		const large = await verifySvg('binary', svgAround(phone), { preparePhoto: false });
		expect(large.item.json).toMatchObject({ errorType: 'image_too_large', charged: false });
		expect(env.biometricRequests()).toHaveLength(0);
	});

	it.each(Object.entries(HOSTILE_SVGS))(
		'the unsafe SVG %s is refused before any request (stop on error)',
		async (_name, svg) => {
			const { run } = await verifySvg('binary', svg, {}, {} as never);
			expect(run.error?.message).toMatch(/\[item 0\]/);
			expect(run.error?.context).toMatchObject({ errorType: 'unsupported_image_format' });
			expect(env.biometricRequests()).toHaveLength(0);
		},
	);
});
