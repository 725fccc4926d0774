/**
 * The example workflows in examples/ as users run them: imported unchanged into a real n8n
 * (every pinned version, side by side) with the packed package installed, published, and served
 * by `n8n start`, against the local sandbox. The form is filled in as its page's script does (and
 * once in headless Chromium, with the 4 MB sideways phone photo), the webhooks get the requests an
 * app would send, and the sandbox's log shows what reached Kredibel.
 *
 *   npx jest --selectProjects e2e -- examples
 *   KREDIBEL_EXAMPLES_N8N=2.41.1 npx jest --selectProjects e2e -- examples    one version only
 *
 * Needs `npm run build` first; Chromium and libjpeg-turbo's djpeg/cjpeg are installed with apt-get
 * when missing and running as root. n8n's server log is kept in $TMPDIR/kredibel-examples-e2e/.
 */
import type { INodeProperties } from 'n8n-workflow';
import type { Browser } from 'playwright-core';

import { nodeProperties } from '../../../nodes/KredibelBiometric/description';
import { makeJpeg, makeWallJpeg } from '../../fixtures/images';
import { hasText, twelveMegapixelPhoto } from '../../unit/photo/phonePhoto';
import { BIOMETRIC_PATH, SANDBOX_NIKS, type RequestLogEntry } from '../../sandbox/server';
import { packPackage } from '../harness/packPackage';
import { progress } from '../harness/processes';
import { PINNED_N8N } from '../harness/versions';
import {
	EXAMPLE_CREDENTIAL,
	KREDIBEL_NODE_TYPE,
	listExampleFiles,
	loadExample,
	productionPath,
	standAlone,
	startExampleServer,
	triggerOf,
	type ExampleNode,
	type ExampleServer,
	type ExampleWorkflow,
} from './exampleServer';
import { launchChromium } from '../editor/chromium';
import { formFields, submitForm, type FormFile } from './formClient';
import { expectPreparedPhonePhoto, ONE_MB } from './sentPhoto';
import { expectOnePlainDownload, startImageHost, type ImageHost } from '../../fixtures/imageHost';
import { startTrap, type Trap } from '../../sandbox/trap';

/** Every pinned version, or those listed in KREDIBEL_EXAMPLES_N8N (e.g. `2.41.1,1.81.4`). */
const VERSIONS = PINNED_N8N.map((pin) => pin.version).filter(
	(version) =>
		!process.env.KREDIBEL_EXAMPLES_N8N ||
		process.env.KREDIBEL_EXAMPLES_N8N.split(',').includes(version),
);
const API_KEY = 'e2e-examples-key-5b7e1c';
const FORM = 'kyc-form.json';
const WEBHOOK = 'kyc-webhook.json';
const UPLOAD = 'kyc-phone-photo-upload.json';
const IMAGE_URL = 'kyc-webhook-image-url.json';
const SERVED = [FORM, WEBHOOK, UPLOAD, IMAGE_URL];
/** A NIK in the right format that the sandbox is told to answer "no face detected" for. */
const NO_FACE_NIK = '3171011708450001';

// A request through n8n takes well under a second; image work and a loaded machine take longer.
jest.setTimeout(90_000);

const SELFIE = makeJpeg();
/** A photo of a wall: Face Check refuses it before any request. */
const WALL = makeWallJpeg();
/**
 * The phone photo (12 MP stored sideways, EXIF orientation 6, GPS, make, model; about
 * 4 MB), read in the set-up: made between two requests (seconds the first time on a machine), a
 * large photo once cost an EPIPE in the middle of an upload, most likely fetch reusing a
 * kept-alive socket that n8n was closing (its keep-alive timeout is 5 s).
 */
let phonePhotoBytes: Buffer | undefined;
const phonePhoto = (): Buffer => (phonePhotoBytes ??= Buffer.from(twelveMegapixelPhoto()));
const phoneFile = (): FormFile => ({
	bytes: phonePhoto(),
	fileName: 'IMG_20261206_100203.jpg',
	mimeType: 'image/jpeg',
});
const selfieFile = (bytes = SELFIE): FormFile => ({
	bytes,
	fileName: 'selfie.jpg',
	mimeType: 'image/jpeg',
});

// ---------------------------------------------------------------------------------------------
// The files themselves (no n8n needed)
// ---------------------------------------------------------------------------------------------

const topLevel = new Map(nodeProperties.map((property) => [property.name, property]));
const optionNames = new Set(
	((topLevel.get('options')?.options ?? []) as INodeProperties[]).map((option) => option.name),
);

describe('examples/*.json', () => {
	const files = listExampleFiles();

	it('has the sandbox demo and the examples this suite serves', () => {
		expect(files).toEqual(expect.arrayContaining(['kyc-sandbox-demo.json', ...SERVED]));
	});

	it.each(files)('%s is an importable workflow that uses the node as it is described', (file) => {
		const { json } = loadExample(file);
		expect(typeof json.name).toBe('string');
		expect(Array.isArray(json.nodes)).toBe(true);
		expect(typeof json.connections).toBe('object');
		expect(json.id).toBeUndefined(); // n8n gives an imported workflow its own id

		const names = json.nodes.map((node) => node.name);
		expect(new Set(names).size).toBe(names.length);
		for (const node of json.nodes) {
			expect(node).toEqual(
				expect.objectContaining({
					id: expect.stringMatching(/^[0-9a-f-]{36}$/),
					name: expect.any(String),
					type: expect.stringMatching(/^[\w-]+\.\w+$/),
					typeVersion: expect.any(Number),
					position: [expect.any(Number), expect.any(Number)],
					parameters: expect.any(Object),
				}),
			);
		}
		for (const [source, byType] of Object.entries(json.connections)) {
			expect(names).toContain(source);
			for (const [type, outputs] of Object.entries(byType as Record<string, unknown[][]>)) {
				expect(type).toBe('main');
				for (const target of outputs.flat() as Array<{ node: string; type: string }>) {
					expect(names).toContain(target.node);
					expect(target.type).toBe('main');
				}
			}
		}
		expect(json.nodes.some((node) => node.type === 'n8n-nodes-base.stickyNote')).toBe(true);

		const kredibelNodes = json.nodes.filter((node) => node.type.endsWith('.kredibelBiometric'));
		expect(kredibelNodes.length).toBeGreaterThan(0);
		for (const node of kredibelNodes) checkKredibelNode(node, json.connections);
	});
});

function checkKredibelNode(node: ExampleNode, connections: Record<string, unknown>): void {
	expect(node.type).toBe(KREDIBEL_NODE_TYPE);
	expect(node.typeVersion).toBe(1);
	expect(node.credentials).toEqual({ kredibelApi: EXAMPLE_CREDENTIAL });
	const unknown = Object.keys(node.parameters).filter((name) => !topLevel.has(name));
	expect(unknown).toEqual([]);
	const options = (node.parameters.options ?? {}) as Record<string, unknown>;
	expect(Object.keys(options).filter((name) => !optionNames.has(name))).toEqual([]);
	// Every parameter set is one the editor shows, given the others (no hidden leftovers such as
	// a Base64 Image with Image Source: Binary).
	const valueOf = (name: string) => node.parameters[name] ?? topLevel.get(name)?.default;
	const hidden = Object.keys(node.parameters).filter((name) =>
		Object.entries(topLevel.get(name)?.displayOptions?.show ?? {}).some(
			([other, allowed]) => !(allowed as unknown[]).includes(valueOf(other)),
		),
	);
	expect(hidden).toEqual([]);
	// Route by Result: No Verdict, Match, No Match, Invalid Identity.
	const outputs =
		(node.parameters.routeByResult === true ? 4 : 1) +
		(node.onError === 'continueErrorOutput' ? 1 : 0);
	const wired = (connections[node.name] as { main?: unknown[][] } | undefined)?.main ?? [];
	expect(wired.length).toBeLessThanOrEqual(outputs);
}

// ---------------------------------------------------------------------------------------------
// Served by n8n
// ---------------------------------------------------------------------------------------------

describe('served by n8n', () => {
	const servers = new Map<string, ExampleServer>();
	const failures = new Map<string, Error>();
	const started = Date.now();
	/** Where kyc-webhook-image-url.json's selfie links point: the app's storage, say. */
	let imageHost: ImageHost;
	/** A loopback server that records every TCP connection: what "before any connection" means. */
	let trap: Trap;

	beforeAll(async () => {
		imageHost = await startImageHost({
			images: { 'selfie.jpg': SELFIE, 'phone.jpg': phonePhoto() },
		});
		trap = await startTrap();
		const tarball = await packPackage();
		const examples = [...SERVED, ...Object.keys(VARIANTS)].map(exampleOf).map(standAlone);
		await Promise.all(
			VERSIONS.map(async (version) => {
				try {
					servers.set(
						version,
						await startExampleServer({ version, tarball, apiKey: API_KEY, examples }),
					);
				} catch (error) {
					failures.set(version, error as Error);
					progress(`examples on n8n ${version}: set-up failed: ${(error as Error).message}`);
				}
			}),
		);
		progress(`examples: set-up done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
	}, 20 * 60_000);

	afterAll(async () => {
		await Promise.all([...servers.values()].map((served) => served.stop()));
		await imageHost?.close();
		await trap?.close();
		await browser?.close();
		for (const served of servers.values()) {
			progress(`examples on n8n ${served.version}: server log kept in ${served.savedLog}`);
		}
		progress(`examples: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
	}, 60_000);

	/** Runs a test against one version's server; a failure carries the server log's tail. */
	const on =
		(version: string, test: (served: ExampleServer) => Promise<void>) =>
		async (): Promise<void> => {
			const failure = failures.get(version);
			if (failure) throw failure;
			const served = servers.get(version)!;
			served.sandbox.reset();
			imageHost.clearLog();
			try {
				await test(served);
			} catch (error) {
				const tail = `--- n8n ${version} server log, tail (full: ${served.savedLog}) ---\n${served.logTail()}`;
				if (error instanceof Error) error.message += `\n${tail}`;
				throw error;
			}
		};

	const urlOf = (served: ExampleServer, file: string) =>
		`${served.server.url}${productionPath(triggerOf(exampleOf(file)))}`;

	/** One headless Chromium for the suite, started by the first test that needs it. */
	let browser: Browser | undefined;
	let launching: Promise<Browser> | undefined;
	const chromium = async (): Promise<Browser> =>
		(browser ??= await (launching ??= launchChromium()));

	/** The biometric requests the sandbox received, once none is in flight any more. */
	const received = async (served: ExampleServer): Promise<RequestLogEntry[]> => {
		while (served.sandbox.stats().inFlight > 0) await new Promise((r) => setTimeout(r, 25));
		return served.sandbox.requests().filter((entry) => entry.path === BIOMETRIC_PATH);
	};

	describe.each(VERSIONS)('n8n %s', (version) => {
		describe('kyc-form.json (Form Trigger, Form Ending pages)', () => {
			it(
				'serves the form page with a NIK text field and a selfie upload',
				on(version, async (served) => {
					const response = await fetch(urlOf(served, FORM));
					expect(response.status).toBe(200);
					const html = await response.text();
					expect(html).toContain('Verify your identity');
					expect(formFields(html)).toEqual([
						{ name: 'field-0', label: 'NIK', type: 'text' },
						{ name: 'field-1', label: 'Selfie', type: 'file' },
					]);
				}),
			);

			it.each([
				{
					case: 'a matching face',
					nik: SANDBOX_NIKS.match,
					title: 'Identity verified',
					message: 'Your selfie matches the photo registered for your NIK',
				},
				{
					case: 'a different face',
					nik: SANDBOX_NIKS.noMatch,
					title: 'Selfie does not match',
					message: 'does not match the photo registered for this NIK',
				},
				{
					case: 'a NIK not in the registry',
					nik: SANDBOX_NIKS.invalid,
					title: 'We need to check your details',
					message: 'could not confirm this NIK',
				},
				{
					case: 'a NIK typo (3 digits)',
					nik: '123',
					title: 'Please submit the form again',
					message: 'Check the number against the KTP card',
				},
			])('shows the right page for $case', ({ nik, title, message }) =>
				on(version, async (served) => {
					// As a browser: the field names come from the page.
					const page = await (await fetch(urlOf(served, FORM))).text();
					const fields = formFields(page);
					const field = (label: string) => fields.find((f) => f.label === label)!.name;
					const outcome = await submitForm(
						served.server.url,
						new URL(urlOf(served, FORM)).pathname,
						{ [field('NIK')]: nik, [field('Selfie')]: selfieFile() },
					);
					expect(outcome.title).toBe(title);
					expect(outcome.message).toContain(message);
					// The page's closing request let the run finish.
					expect(await served.finishedStatus(outcome.executionId)).toBe('success');

					const requests = await received(served);
					if (nik === '123') {
						expect(requests).toEqual([]); // refused before any request, not charged
						return;
					}
					expect(requests).toHaveLength(1);
					expect(requests[0].identityId).toBe(nik);
					expect(requests[0].authorization).toBe(`Bearer ${API_KEY}`);
					expect(requests[0].faceImage?.equals(SELFIE)).toBe(true);
				})(),
			);

			it(
				'refuses a photo of a wall as no face found, free: Kredibel receives nothing',
				on(version, async (served) => {
					const page = await (await fetch(urlOf(served, FORM))).text();
					const fields = formFields(page);
					const field = (label: string) => fields.find((f) => f.label === label)!.name;
					const outcome = await submitForm(
						served.server.url,
						new URL(urlOf(served, FORM)).pathname,
						{ [field('NIK')]: SANDBOX_NIKS.match, [field('Selfie')]: selfieFile(WALL) },
					);
					expect(outcome.title).toBe('Please submit the form again');
					expect(outcome.message).toContain('We could not check your selfie');
					expect(outcome.message).toMatch(/face/i);
					expect(await served.finishedStatus(outcome.executionId)).toBe('success');
					expect(await received(served)).toEqual([]);
				}),
			);

			it(
				'in Chromium: a 4 MB sideways phone photo reaches Kredibel upright, within 1 MB, without metadata',
				on(version, async (served) => {
					const photo = phoneFile();
					expect(photo.bytes.length).toBeGreaterThan(3.5 * ONE_MB);
					expect(hasText(photo.bytes, 'PhoneMakerCorp')).toBe(true);
					const page = await (await chromium()).newPage();
					let executionId: string | undefined;
					try {
						// As the README's first workflow: the production form URL, the NIK typed, the
						// photo chosen in the file field, the button pressed, the ending page read.
						await page.goto(urlOf(served, FORM));
						await page.getByLabel('NIK').fill(SANDBOX_NIKS.match);
						await page.locator('input[type="file"]').setInputFiles({
							name: photo.fileName,
							mimeType: photo.mimeType,
							buffer: photo.bytes,
						});
						await page.getByRole('button', { name: 'Verify me' }).click();
						// Generous: three n8n versions run at once on CI's two cores, and a 12 MP photo is
						// decoded, checked for a face and re-encoded (docs/performance.md has the figures).
						await page.getByText('Identity verified').waitFor({ timeout: 150_000 });
						expect(await page.textContent('body')).toContain('Your selfie matches the photo');
						// The ending page's script posts back on load, which lets the run finish:
						// closing the page before that request is done would leave the run waiting.
						await page.waitForLoadState('networkidle');
						executionId = /\/form-waiting\/([^/?]+)/.exec(page.url())?.[1];
					} finally {
						await page.close();
					}
					expect(executionId).toMatch(/^\d+$/);
					expect(await served.finishedStatus(executionId!)).toBe('success');

					const requests = await received(served);
					expect(requests).toHaveLength(1);
					expect(requests[0].identityId).toBe(SANDBOX_NIKS.match);
					const sent = expectPreparedPhonePhoto(requests[0].faceImage);
					progress(
						`n8n ${version}, form in Chromium: ${photo.bytes.length} bytes 4000x3000 sideways -> ` +
							`${requests[0].faceImage!.length} bytes ${sent.width}x${sent.height}`,
					);
				}),
				240_000,
			);
		});

		describe('kyc-webhook.json (Webhook, base64 selfie, Respond to Webhook)', () => {
			const post = async (served: ExampleServer, body: unknown, file = WEBHOOK) => {
				const response = await fetch(urlOf(served, file), {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify(body),
				});
				const text = await response.text();
				let json: unknown = text;
				try {
					json = JSON.parse(text);
				} catch {
					// Left as text: the assertion below shows it.
				}
				return { status: response.status, json };
			};
			const base64 = SELFIE.toString('base64');

			it(
				'approves a match (selfie sent as a data: URL)',
				on(version, async (served) => {
					const answer = await post(served, {
						nik: SANDBOX_NIKS.match,
						selfie: `data:image/jpeg;base64,${base64}`,
					});
					expect(answer).toEqual({
						status: 200,
						json: { decision: 'approved', result: 'match', faceSimilarity: 1 },
					});
					const requests = await received(served);
					expect(requests).toHaveLength(1);
					expect(requests[0].authorization).toBe(`Bearer ${API_KEY}`);
					expect(requests[0].faceImage?.equals(SELFIE)).toBe(true);
				}),
			);

			it(
				'rejects a different face and sends an unknown NIK to review',
				on(version, async (served) => {
					expect(await post(served, { nik: SANDBOX_NIKS.noMatch, selfie: base64 })).toEqual({
						status: 200,
						json: { decision: 'rejected', result: 'no_match', faceSimilarity: 0.24 },
					});
					expect(await post(served, { nik: SANDBOX_NIKS.invalid, selfie: base64 })).toEqual({
						status: 200,
						json: { decision: 'review', result: 'identity_invalid', faceSimilarity: null },
					});
					expect((await received(served)).map((entry) => entry.identityId)).toEqual([
						SANDBOX_NIKS.noMatch,
						SANDBOX_NIKS.invalid,
					]);
				}),
			);

			it(
				"answers 422 with Kredibel's no_face_detected",
				on(version, async (served) => {
					served.sandbox.addFault({
						match: { identityId: NO_FACE_NIK },
						fault: { kind: 'error', errorType: 'no_face_detected' },
					});
					expect(await post(served, { nik: NO_FACE_NIK, selfie: base64 })).toEqual({
						status: 422,
						json: {
							errorType: 'no_face_detected',
							error: expect.stringContaining('no face'),
							description: expect.stringContaining('selfie'),
						},
					});
					const requests = await received(served);
					expect(requests.map((entry) => [entry.fault, entry.charged])).toEqual([
						['no_face_detected', true],
					]);
				}),
			);

			it(
				'answers 422 no_face_found for a photo of a wall, without calling Kredibel',
				on(version, async (served) => {
					const selfie = WALL.toString('base64');
					expect(await post(served, { nik: SANDBOX_NIKS.match, selfie })).toEqual({
						status: 422,
						json: {
							errorType: 'no_face_found',
							error: expect.any(String),
							description: expect.stringMatching(/face/i),
						},
					});
					expect(await received(served)).toEqual([]);
				}),
			);

			it(
				'answers 422 for broken base64, without calling Kredibel',
				on(version, async (served) => {
					expect(
						await post(served, { nik: SANDBOX_NIKS.match, selfie: '/9j/4AAQ!!not base64*' }),
					).toEqual({
						status: 422,
						json: {
							errorType: 'invalid_base64_encoding',
							error: expect.any(String),
							description: expect.any(String),
						},
					});
					expect(await received(served)).toEqual([]);
				}),
			);

			it(
				'sends the 4 MB sideways phone photo (5.3 MB of base64) upright, within 1 MB, without metadata',
				on(version, async (served) => {
					const selfie = `data:image/jpeg;base64,${phonePhoto().toString('base64')}`;
					expect(await post(served, { nik: SANDBOX_NIKS.match, selfie })).toEqual({
						status: 200,
						json: { decision: 'approved', result: 'match', faceSimilarity: 1 },
					});
					const requests = await received(served);
					expect(requests).toHaveLength(1);
					expectPreparedPhonePhoto(requests[0].faceImage);
				}),
			);

			it(
				'with Prepare Photo off, refuses the same photo as image_too_large, without calling Kredibel',
				on(version, async (served) => {
					const selfie = phonePhoto().toString('base64');
					expect(await post(served, { nik: SANDBOX_NIKS.match, selfie }, PHOTO_AS_IS)).toEqual({
						status: 422,
						json: {
							errorType: 'image_too_large',
							error: expect.stringContaining('1024 KB limit'),
							description: expect.any(String),
						},
					});
					expect(await received(served)).toEqual([]);
				}),
			);
		});

		describe('kyc-phone-photo-upload.json (multipart upload, Prepare Photo, Kredibel)', () => {
			const upload = async (served: ExampleServer, nik: string, selfie: FormFile) => {
				const body = new FormData();
				body.append('nik', nik);
				body.append('selfie', new Blob([selfie.bytes], { type: selfie.mimeType }), selfie.fileName);
				const response = await fetch(urlOf(served, UPLOAD), { method: 'POST', body });
				return { status: response.status, json: (await response.json()) as unknown };
			};

			it(
				'verifies the 4 MB sideways phone photo: sent upright, within 1 MB, without metadata; the answer says so',
				on(version, async (served) => {
					const photo = phoneFile();
					const answer = await upload(served, SANDBOX_NIKS.match, photo);
					const requests = await received(served);
					expect(requests).toHaveLength(1);
					expect(requests[0].authorization).toBe(`Bearer ${API_KEY}`);
					const sent = requests[0].faceImage!;
					const { width, height } = expectPreparedPhonePhoto(sent);
					expect(answer).toEqual({
						status: 200,
						json: {
							result: 'match',
							faceSimilarity: 1,
							identityId: SANDBOX_NIKS.match,
							photo: {
								format: 'jpeg',
								orientationApplied: 6,
								metadataRemoved: ['EXIF'],
								reencoded: true,
								bytesBefore: photo.bytes.length,
								bytesAfter: sent.length,
								widthBefore: 4000,
								heightBefore: 3000,
								widthAfter: width,
								heightAfter: height,
							},
						},
					});
					progress(
						`n8n ${version}, multipart upload: ${photo.bytes.length} bytes 4000x3000 -> ${sent.length} bytes ${width}x${height}`,
					);
				}),
			);

			it(
				'sends a clean, upright photo within 1 MB byte for byte (photo: null)',
				on(version, async (served) => {
					const answer = await upload(served, SANDBOX_NIKS.noMatch, selfieFile());
					expect(answer).toEqual({
						status: 200,
						json: {
							result: 'no_match',
							faceSimilarity: 0.24,
							identityId: SANDBOX_NIKS.noMatch,
							photo: null,
						},
					});
					const [request] = await received(served);
					expect(request.faceImage?.equals(SELFIE)).toBe(true);
				}),
			);

			it(
				'answers 422 when the upload is not an image, without calling Kredibel',
				on(version, async (served) => {
					const notAnImage: FormFile = {
						bytes: Buffer.from('This is not a photo.\n'),
						fileName: 'selfie.txt',
						mimeType: 'text/plain',
					};
					expect(await upload(served, SANDBOX_NIKS.match, notAnImage)).toEqual({
						status: 422,
						json: {
							errorType: 'unsupported_image_format',
							error: expect.any(String),
							description: expect.any(String),
						},
					});
					expect(await received(served)).toEqual([]);
				}),
			);
		});

		describe('kyc-webhook-image-url.json (Webhook, selfie link, Image Source: URL)', () => {
			// The image host is on loopback: the tests below post to a copy of the example with
			// Allow Private Addresses on (self-hosted storage), the last one to the example as shipped.
			const post = async (served: ExampleServer, body: unknown, file = PRIVATE_STORAGE) => {
				const response = await fetch(urlOf(served, file), {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify(body),
				});
				return { status: response.status, json: (await response.json()) as unknown };
			};

			it(
				'approves a match: Kredibel got the bytes the link served, the image host no key',
				on(version, async (served) => {
					const selfieUrl = `${imageHost.url}/images/selfie.jpg`;
					expect(await post(served, { nik: SANDBOX_NIKS.match, selfieUrl })).toEqual({
						status: 200,
						json: { decision: 'approved', result: 'match', faceSimilarity: 1 },
					});
					const requests = await received(served);
					expect(requests).toHaveLength(1);
					expect(requests[0].authorization).toBe(`Bearer ${API_KEY}`);
					expect(requests[0].faceImage?.equals(SELFIE)).toBe(true);
					expectOnePlainDownload(imageHost, '/images/selfie.jpg', API_KEY);
				}),
			);

			it(
				'downloads the 4 MB sideways phone photo and sends it upright, within 1 MB, without metadata',
				on(version, async (served) => {
					const selfieUrl = `${imageHost.url}/images/phone.jpg`;
					expect(await post(served, { nik: SANDBOX_NIKS.match, selfieUrl })).toEqual({
						status: 200,
						json: { decision: 'approved', result: 'match', faceSimilarity: 1 },
					});
					const requests = await received(served);
					expect(requests).toHaveLength(1);
					expectPreparedPhonePhoto(requests[0].faceImage);
					expectOnePlainDownload(imageHost, '/images/phone.jpg', API_KEY);
				}),
			);

			it(
				'answers 422 image_download_failed for a broken link, without calling Kredibel',
				on(version, async (served) => {
					const selfieUrl = `${imageHost.url}/images/gone.jpg`;
					expect(await post(served, { nik: SANDBOX_NIKS.match, selfieUrl })).toEqual({
						status: 422,
						json: {
							errorType: 'image_download_failed',
							error: expect.stringContaining('404'),
							description: expect.any(String),
						},
					});
					expect(await received(served)).toEqual([]);
				}),
			);

			it(
				'as shipped, refuses a loopback link before any connection, naming the option',
				on(version, async (served) => {
					const connections = trap.connections().length;
					// The link the copy above downloads from, and one to a server that logs connections.
					for (const selfieUrl of [
						`${imageHost.url}/images/selfie.jpg`,
						`${trap.url}/selfie.jpg`,
					]) {
						const answer = await post(served, { nik: SANDBOX_NIKS.match, selfieUrl }, IMAGE_URL);
						expect(answer).toEqual({
							status: 422,
							json: {
								errorType: 'image_download_failed',
								error: expect.stringContaining('a loopback address'),
								description: expect.stringContaining('Allow Private Addresses'),
							},
						});
					}
					expect(imageHost.requests).toEqual([]);
					expect(trap.connections()).toHaveLength(connections);
					expect(await received(served)).toEqual([]);
				}),
			);
		});
	});
});

/** Test-only copies of examples, with one option changed, each on its own webhook path. */
const PRIVATE_STORAGE = 'kyc-webhook-image-url.private-storage.json';
const PHOTO_AS_IS = 'kyc-webhook.prepare-photo-off.json';

/**
 * PRIVATE_STORAGE: the URL example with Allow Private Addresses on, as a user with self-hosted
 * storage would set it (the shipped example keeps the default, off). PHOTO_AS_IS: the JSON
 * webhook with Prepare Photo off, images sent as they come.
 */
const VARIANTS: Record<string, () => ExampleWorkflow> = {
	[PRIVATE_STORAGE]: () =>
		variantOf(loadExample(IMAGE_URL), PRIVATE_STORAGE, {
			label: 'private storage',
			ids: ['b9f3c1de-0a4e-4f7b-9a55-2f2d7c1e8a01', '0c6f7e2a-5d1b-4c3e-8f90-6a7b8c9d0e1f'],
			options: { allowPrivateAddresses: true },
		}),
	[PHOTO_AS_IS]: () =>
		variantOf(loadExample(WEBHOOK), PHOTO_AS_IS, {
			label: 'prepare photo off',
			ids: ['5d2e8f41-7c3a-4b69-9e1d-3f0a6b2c7d58', '8a1b4c7d-2e5f-4a80-b3c6-d9e0f1a2b3c4'],
			options: { preparePhoto: false },
		}),
};

/** An example as served: the file itself, or one of the test-only VARIANTS. */
function exampleOf(file: string): ExampleWorkflow {
	return VARIANTS[file]?.() ?? loadExample(file);
}

function variantOf(
	example: ExampleWorkflow,
	file: string,
	change: { label: string; ids: [webhookId: string, nodeId: string]; options: object },
): ExampleWorkflow {
	const json = structuredClone(example.json);
	const suffix = change.label.replace(/ /g, '-');
	for (const node of json.nodes as unknown as Array<Record<string, unknown>>) {
		const parameters = node.parameters as Record<string, unknown>;
		if (node.type === 'n8n-nodes-base.webhook') {
			parameters.path = `${String(parameters.path)}-${suffix}`;
			[node.webhookId, node.id] = change.ids;
		}
		if (node.type === KREDIBEL_NODE_TYPE) {
			parameters.options = { ...(parameters.options as object), ...change.options };
		}
	}
	json.name = `${json.name} (${change.label})`;
	return { file, json };
}
