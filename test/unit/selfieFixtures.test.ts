/**
 * The guard of the selfie fixtures: Face Check refuses a photo without a face before any request,
 * so every test, demo and example picture that stands for an applicant's selfie must show one.
 * Each is read as the node reads it (preparePhoto's upright preview, or the decoded PNG) and
 * `findFaces` must see exactly one face, upright, with `mayTurn` as the node sets it (true only
 * for a photo without an orientation tag). A fixture that loses its face fails here, not as a
 * puzzling `no_face_found` in an engine or e2e test. The sandbox demo's own pictures are checked
 * too: they are makeJpeg(96, 120) and makeWallJpeg(), and the wall shows no face (that applicant is
 * refused free); and the e2e workflows embed only makeJpeg() and makePng().
 */
import fs from 'node:fs';
import path from 'node:path';

import { findFaces } from '../../nodes/KredibelBiometric/face';
import { type Picture, preparePhoto } from '../../nodes/KredibelBiometric/photo';
import { decodeImage } from '../face-eval/pictures';
import { makeJpeg, makePng, makeWallJpeg } from '../fixtures/images';
import { twelveMegapixelPhoto } from './photo/phonePhoto';

const MB = 1024 * 1024;

interface SelfieFixture {
	name: string;
	bytes: () => Uint8Array;
	/** Whether the photo carries an EXIF orientation tag (then the node never turns it further). */
	tagged: boolean;
}

const SELFIES: SelfieFixture[] = [
	{
		name: 'makeJpeg(): the engine and e2e SELFIE, face.jpg',
		bytes: () => makeJpeg(),
		tagged: false,
	},
	{ name: 'makePng(): face.png, the PNG in SAFE_SVG', bytes: () => makePng(), tagged: false },
	{ name: 'makeJpeg(90, 90)', bytes: () => makeJpeg(90, 90), tagged: false },
	{ name: 'makeJpeg(80, 80, seed 5)', bytes: () => makeJpeg(80, 80, { seed: 5 }), tagged: false },
	...[1, 9].map((seed) => ({
		name: `makeJpeg(64, 80, noise 40, seed ${seed}): another shot of the same applicant`,
		bytes: () => makeJpeg(64, 80, { noise: 40, seed }),
		tagged: false,
	})),
	{
		name: 'the 12 MP phone selfie stored sideways, orientation 6',
		bytes: twelveMegapixelPhoto,
		tagged: true,
	},
];

/** The picture the face check sees: preparePhoto's upright preview, else the decoded bytes. */
async function asTheNodeSeesIt(bytes: Uint8Array): Promise<Picture> {
	const prepared = await preparePhoto(bytes, { maxBytes: MB });
	if (!prepared.ok) throw new Error(`preparePhoto refused a selfie: ${prepared.error.message}`);
	return prepared.preview ?? decodeImage(prepared.bytes);
}

describe('selfie fixtures show one real face', () => {
	it.each(SELFIES)('$name', async ({ bytes, tagged }) => {
		const finding = await findFaces(await asTheNodeSeesIt(bytes()), { mayTurn: !tagged });
		expect(finding).toMatchObject({ verdict: 'face', faces: 1, quarterTurns: 0 });
	});

	it('the photo of a wall shows no face, even turned', async () => {
		const finding = await findFaces(await asTheNodeSeesIt(makeWallJpeg()), { mayTurn: true });
		expect(finding.verdict).toBe('no_face');
	});

	it('two shots of the same applicant are different bytes', () => {
		const shots = [1, 9].map((seed) => makeJpeg(64, 80, { noise: 40, seed }));
		expect(shots[0].equals(shots[1])).toBe(false);
	});
});

describe('the sandbox demo (examples/kyc-sandbox-demo.json)', () => {
	const workflow = JSON.parse(
		fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'kyc-sandbox-demo.json'), 'utf8'),
	) as { nodes: Array<{ name: string; parameters: { jsCode?: string } }> };
	const code = workflow.nodes.find((node) => node.name === 'Sample applicants')?.parameters.jsCode;
	const embedded = (name: string): Uint8Array => {
		const match = new RegExp(`const ${name} = '([A-Za-z0-9+/=]+)';`).exec(code ?? '');
		if (!match) throw new Error(`no base64 picture named ${name} in the Sample applicants code`);
		return new Uint8Array(Buffer.from(match[1], 'base64'));
	};

	it('embeds the pictures this module makes: the selfie and the wall', () => {
		expect(Buffer.from(embedded('selfie')).equals(makeJpeg(96, 120))).toBe(true);
		expect(Buffer.from(embedded('wall')).equals(makeWallJpeg())).toBe(true);
	});

	it('sends a selfie with one face', async () => {
		const finding = await findFaces(await asTheNodeSeesIt(embedded('selfie')), { mayTurn: true });
		expect(finding).toMatchObject({ verdict: 'face', faces: 1, quarterTurns: 0 });
	});

	it('has one applicant upload a photo of a wall, which shows no face', async () => {
		expect(code).toMatch(/file\('dewi', wall\)/);
		const finding = await findFaces(await asTheNodeSeesIt(embedded('wall')), { mayTurn: true });
		expect(finding.verdict).toBe('no_face');
	});
});

describe('the e2e workflows (test/e2e/**/workflows/*.json)', () => {
	const e2e = path.join(__dirname, '..', 'e2e');
	const files = fs
		.readdirSync(e2e, { recursive: true, encoding: 'utf8' })
		.filter((file) => /(^|\/)workflows\/[^/]+\.json$/.test(file));

	it('are found', () => {
		expect(files.length).toBeGreaterThan(10);
	});

	it.each(files)('%s embeds only the selfies checked above', (file) => {
		const text = fs.readFileSync(path.join(e2e, file), 'utf8');
		const selfies = new Set([makeJpeg().toString('base64'), makePng().toString('base64')]);
		const pictures = text.match(/(?:\/9j\/|iVBORw0)[A-Za-z0-9+/=]{100,}/g) ?? [];
		expect(pictures.filter((picture) => !selfies.has(picture))).toEqual([]);
	});
});
