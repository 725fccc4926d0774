/**
 * Prepare Photo inside n8n-core: the 12 MP sideways phone photo of the issue (3.7 MB, EXIF
 * orientation 6, GPS, device, time), given as binary data, as base64 and as a URL, reaches the
 * sandbox as an upright JPEG within 1 MB with no metadata, and the item says what was changed.
 * With Prepare Photo off, the same photo is refused as before. Hostile JPEGs among ordinary items
 * fail their own items, free, within the budget, and the other items get their verdicts.
 */
import type { INodeParameters } from 'n8n-workflow';

import { readJpegInfo } from '../../nodes/KredibelBiometric/photo/jpegDecode';
import { startImageHost, type ImageHost } from '../fixtures/imageHost';
import { SANDBOX_NIKS } from '../sandbox/server';
import { jpegHostileInputs } from '../helpers/hostile/jpeg';
import { phoneJpeg, twelveMegapixelPhoto } from '../unit/photo/phonePhoto';
import {
	allItems,
	pairedIndexes,
	SELFIE,
	useSandbox,
	verifyWith,
	type VerifySpec,
} from './harness/fixtures';
import type { InputItem } from './harness/testNodes';

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

describe('hostile photos among ordinary ones, through n8n-core', () => {
	const hostile = jpegHostileInputs();
	const bytesOf = (prefix: string): Buffer =>
		Buffer.from(hostile.find((input) => input.name.startsWith(prefix))!.make());
	const withPhoto = (nik: string, bytes: Buffer): InputItem => ({
		json: { nik },
		binary: { data: { bytes } },
	});

	it('the 26 KB 1,000-scan JPEG and the 186-byte 7071x7071 bomb fail their own items, free; the others get their verdicts', async () => {
		const items = [
			withPhoto(SANDBOX_NIKS.match, SELFIE),
			withPhoto(SANDBOX_NIKS.match, bytesOf('progressive, 1,000 repeated')),
			withPhoto(SANDBOX_NIKS.noMatch, SELFIE),
			withPhoto(SANDBOX_NIKS.noMatch, bytesOf('baseline 7071x7071 with an EXIF orientation')),
		];
		const run = await verifyWith(env.sandbox, { niks: [], items, options: { dedupe: false } });
		const failed = run.output('Error');
		expect(pairedIndexes(failed)).toEqual([1, 3]);
		for (const item of failed) {
			expect(item.json).toMatchObject({ errorType: 'unsupported_image_format', charged: false });
			expect(item.json.error).toMatch(/damaged/);
		}
		const verdicts = allItems(run).filter((item) => item.json.result !== undefined);
		expect(verdicts.map((item) => [pairedIndexes([item])[0], item.json.result])).toEqual([
			[0, 'match'],
			[2, 'no_match'],
		]);
		expect(env.biometricRequests()).toHaveLength(2);
	});

	it('the complete 7071x7071 progressive bomb is sent at 1/8 scale, turned upright', async () => {
		const run = await verifyWith(env.sandbox, {
			niks: [],
			items: [withPhoto(SANDBOX_NIKS.match, bytesOf('progressive 7071x7071'))],
		});
		const [item] = allItems(run);
		expect(item.json.result).toBe('match');
		expect(item.json.photo).toMatchObject({
			orientationApplied: 8,
			reencoded: true,
			widthBefore: 7071,
			widthAfter: 884,
			heightAfter: 884,
		});
	});

	it('an arithmetic-coded JPEG says what it is and that saving it again fixes it', async () => {
		const run = await verifyWith(env.sandbox, {
			niks: [],
			items: [withPhoto(SANDBOX_NIKS.match, bytesOf('arithmetic-coded'))],
		});
		const [item] = run.output('Error');
		expect(item.json.errorType).toBe('unsupported_image_format');
		expect(item.json.error).toMatch(/arithmetic-coded JPEG/);
		expect(JSON.stringify(item.json)).toMatch(/Save the photo again as an ordinary JPEG/);
		expect(env.biometricRequests()).toHaveLength(0);
	});

	it('a photo that cannot fit Max Image Size names Max Image Size', async () => {
		const run = await verifyWith(env.sandbox, {
			niks: [],
			items: [withPhoto(SANDBOX_NIKS.match, Buffer.from(phoneJpeg(1100, 825, 1)))],
			options: { maxImageSizeKb: 5 },
		});
		const [item] = run.output('Error');
		expect(item.json.errorType).toBe('image_too_large');
		expect(JSON.stringify(item.json)).toMatch(/The limit met is Max Image Size/);
	});
});
