/**
 * Prepare Photo inside n8n-core: the 12 MP sideways phone photo of the issue (3.7 MB, EXIF
 * orientation 6, GPS, device, time), given as binary data, as base64 and as a URL, reaches the
 * sandbox as an upright JPEG within 1 MB with no metadata, and the item says what was changed.
 * With Prepare Photo off, the same photo is refused as before.
 */
import type { INodeParameters } from 'n8n-workflow';

import { readJpegInfo } from '../../nodes/KredibelBiometric/photo/jpegDecode';
import { startImageHost, type ImageHost } from '../fixtures/imageHost';
import { SANDBOX_NIKS } from '../sandbox/server';
import { twelveMegapixelPhoto } from '../unit/photo/phonePhoto';
import { allItems, useSandbox, verifyWith, type VerifySpec } from './harness/fixtures';

const env = useSandbox();
const photo = Buffer.from(twelveMegapixelPhoto());
let host: ImageHost;

beforeAll(async () => {
	host = await startImageHost({ images: { 'phone.jpg': photo } });
});
afterAll(async () => {
	await host.close();
});

const SOURCES = {
	binary: {
		items: [{ json: { nik: SANDBOX_NIKS.match }, binary: { data: { bytes: photo } } }],
		parameters: {},
	},
	base64: {
		items: [{ json: { nik: SANDBOX_NIKS.match, selfie: photo.toString('base64') } }],
		parameters: { imageSource: 'base64', base64Image: '={{ $json.selfie }}' },
	},
	url: {
		items: [{ json: { nik: SANDBOX_NIKS.match } }],
		parameters: { imageSource: 'url', imageUrl: '' },
	},
};

function sourceSpec(source: keyof typeof SOURCES, options: INodeParameters = {}): VerifySpec {
	const spec = SOURCES[source];
	const parameters =
		source === 'url'
			? { ...spec.parameters, imageUrl: `${host.url}/images/phone.jpg` }
			: spec.parameters;
	// The test image host listens on loopback, which Image URL refuses by default.
	const allowHost = source === 'url' ? { allowPrivateAddresses: true } : {};
	return { niks: [], items: spec.items, parameters, options: { ...allowHost, ...options } };
}

describe.each(['binary', 'base64', 'url'] as const)('Prepare Photo, %s source', (source) => {
	it('sends the 12 MP sideways phone photo upright, within 1 MB, without metadata', async () => {
		const run = await verifyWith(env.sandbox, sourceSpec(source));
		const [item] = allItems(run);
		expect(item.json.result).toBe('match');
		const [entry] = env.biometricRequests().slice(-1);
		const sent = entry.faceImage as Buffer;
		expect(sent.length).toBeLessThanOrEqual(1024 * 1024);
		const info = readJpegInfo(sent);
		expect(info.height).toBeGreaterThan(info.width);
		for (const text of ['Exif', 'PhoneMakerCorp', 'SecretModel']) {
			expect(sent.includes(Buffer.from(text, 'latin1'))).toBe(false);
		}
		expect(item.json.photo).toEqual({
			format: 'jpeg',
			orientationApplied: 6,
			metadataRemoved: ['EXIF'],
			reencoded: true,
			bytesBefore: photo.length,
			bytesAfter: sent.length,
			widthBefore: 4000,
			heightBefore: 3000,
			widthAfter: info.width,
			heightAfter: info.height,
		});
	});

	it('with Prepare Photo off, refuses it as image_too_large and sends nothing', async () => {
		const before = env.biometricRequests().length;
		const run = await verifyWith(env.sandbox, sourceSpec(source, { preparePhoto: false }));
		const [item] = allItems(run);
		expect(item.json.errorType ?? (item.json.error as { errorType?: string })?.errorType).toBe(
			'image_too_large',
		);
		expect(item.json.photo).toBeUndefined();
		expect(env.biometricRequests().length).toBe(before);
	});
});
