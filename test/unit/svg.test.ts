/**
 * An SVG is never forwarded: one that wraps a single JPEG or PNG photo in an
 * `<image>` element gives exactly that photo, whatever else it carries, and any other SVG is
 * refused as `unsupported_image_format` with the hint to upload the photo itself. A property test
 * builds random SVG trees from safe parts and injects hazards anywhere (scripts, handlers,
 * foreignObject, outside links, the CSS escapes and XHTML attributes the attacker review found);
 * the hostile generators (test/helpers/hostile/svg.ts) attack the scan itself. The scan lets the
 * event loop run: checkpoints are counted, not timed.
 */
import fc from 'fast-check';

import { checkImageBytes, unwrapSvgPhoto } from '../../nodes/KredibelBiometric/image/imageBytes';
import { findWrappedPhoto } from '../../nodes/KredibelBiometric/image/svg';
import { HOSTILE_SVGS, makeJpeg, makePng, SAFE_SVG, SVG_FACE } from '../fixtures/images';
import { embeddedImage, svgHostileInputs } from '../helpers/hostile/svg';

const SEED = 20_261_206;
const MB = 1024 * 1024;
const LIMIT = MB;
const INPUT_LIMIT = 25 * MB;

interface SvgNode {
	name: string;
	attributes: string[];
	children: Array<SvgNode | string>;
}

const quoted = (name: string, value: string) =>
	fc.constantFrom('"', "'").map((quote) => `${name}=${quote}${value}${quote}`);

const safeAttribute = fc.oneof(
	quoted('x', '1'),
	quoted('width', '10'),
	quoted('fill', 'red'),
	quoted('fill', 'url(#gradient)'),
	quoted('fill', 'url( &quot;#gradient&quot; )'),
	quoted('stroke', '#00ff00'),
	quoted('d', 'M0 0 L10 10 Z'),
	quoted('transform', 'rotate(45 5 5)'),
	quoted('class', 'face &amp; frame'),
	quoted('style', 'fill: blue; opacity: 0.5'),
	quoted('href', '#shape'),
	quoted('xlink:href', '#shape'),
	quoted('viewBox', '0 0 10 10'),
);
const safeText = fc.constantFrom('face', 'a &lt; b', '&#65;&#x42;', ' \n ', 'photo &quot;1&quot;');
const safeName = fc.constantFrom(
	'g',
	'rect',
	'circle',
	'path',
	'text',
	'defs',
	'linearGradient',
	'stop',
	'title',
	'desc',
	'use',
	'svg:g',
);

/** An element with up to three children, nested at most `depth` deep. */
function tree(depth: number): fc.Arbitrary<SvgNode> {
	const child: fc.Arbitrary<SvgNode | string> =
		depth === 0 ? safeText : fc.oneof(safeText, tree(depth - 1));
	return fc.record({
		name: safeName,
		attributes: fc.uniqueArray(safeAttribute, {
			maxLength: 4,
			selector: (attribute) => attribute.split('=')[0],
		}),
		children: fc.array(child, { maxLength: 3 }),
	});
}

const root = fc.array(fc.oneof(tree(3), safeText), { maxLength: 4 }).map(
	(children): SvgNode => ({
		name: 'svg',
		attributes: [
			'xmlns="http://www.w3.org/2000/svg"',
			'xmlns:xlink="http://www.w3.org/1999/xlink"',
			'xmlns:svg="http://www.w3.org/2000/svg"',
		],
		children,
	}),
);

function serialise(node: SvgNode | string): string {
	if (typeof node === 'string') return node;
	const open = [node.name, ...node.attributes].join(' ');
	if (node.children.length === 0) return `<${open}/>`;
	return `<${open}>${node.children.map(serialise).join('')}</${node.name}>`;
}

function elements(node: SvgNode): SvgNode[] {
	return [
		node,
		...node.children.flatMap((child) => (typeof child === 'string' ? [] : elements(child))),
	];
}

/** Hazards browsers and rasterisers act on, in the spellings that slip past naive checks. */
const hazardAttribute = fc.constantFrom(
	'onload="alert(1)"',
	"ONCLICK='steal()'",
	'svg:onmouseover="x()"',
	'href="http://127.0.0.2/internal.png"',
	'xlink:href="file:///etc/passwd"',
	'href="//evil.example/x.png"',
	'href=" javascript:alert(1)"',
	'href="java&#x09;script:alert(1)"',
	'xlink:href="&#x6A;avascript:alert(1)"',
	'href="&#106;avascript:alert(1)"',
	'href="data:image/svg+xml;base64,PHN2Zy8+"',
	'href="data:text/html;base64,PHNjcmlwdD4="',
	'fill="url( \'http://127.0.0.2/x\' )"',
	'fill="URL(https://evil.example/p#g)"',
	'style="background: url(http://169.254.169.254/)"',
	'style="fill: u\\72l(http://evil.example/)"',
	'style="@import \'http://evil.example/a.css\'"',
	'src="https://evil.example/x.png"',
);
const hazardElement = fc.constantFrom(
	'<script>alert(1)</script>',
	'<SCRIPT>alert(1)</SCRIPT>',
	'<svg:script>alert(1)</svg:script>',
	'<script href="http://evil.example/x.js"/>',
	'<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>',
	'<svg:foreignObject/>',
	'<style>@import url(http://evil.example/a.css);</style>',
	'<style>rect { fill: url(#g) }</style>',
	'<set attributeName="href" to="javascript:alert(1)"/>',
	'<image href="https://evil.example/x.png"/>',
	'<iframe src="#x"/>',
	'<text>&xxe;</text>',
);
const hazardPrefix = fc.constantFrom(
	'<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
	'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">',
	'<?xml-stylesheet type="text/css" href="http://evil.example/a.css"?>',
);

type Hazard =
	| { kind: 'attribute'; text: string; at: number }
	| { kind: 'element'; text: string; at: number }
	| { kind: 'prefix'; text: string };

const hazard: fc.Arbitrary<Hazard> = fc.oneof(
	fc.record({ kind: fc.constant('attribute' as const), text: hazardAttribute, at: fc.nat() }),
	fc.record({ kind: fc.constant('element' as const), text: hazardElement, at: fc.nat() }),
	fc.record({ kind: fc.constant('prefix' as const), text: hazardPrefix }),
);

/** What the attacker review got through the old check: CSS escapes, XHTML that fetches or moves. */
const reviewLeak = fc.constantFrom(
	'<rect fill="\\75 rl(https://evil.example/f)"/>',
	'<rect filter="\\75 rl(https://evil.example/x)"/>',
	'<rect mask="\\000075rl(//evil.example/m)"/>',
	'<rect cursor="\\75 rl(https://evil.example/c), auto"/>',
	'<foreignObject><img xmlns="http://www.w3.org/1999/xhtml" srcset="https://evil.example/a.png 1x"/></foreignObject>',
	'<foreignObject><video xmlns="http://www.w3.org/1999/xhtml" poster="https://evil.example/p.png"/></foreignObject>',
	'<foreignObject><link xmlns="http://www.w3.org/1999/xhtml" imagesrcset="https://evil.example/i.png 1x"/></foreignObject>',
	'<foreignObject><meta xmlns="http://www.w3.org/1999/xhtml" http-equiv="refresh" content="0;url=https://evil.example/"/></foreignObject>',
);

function withHazard(generated: SvgNode, injected: Hazard): string {
	// A copy: fast-check reuses generated values while it shrinks.
	const document = structuredClone(generated);
	if (injected.kind === 'prefix') return `${injected.text}\n${serialise(document)}`;
	const all = elements(document);
	const target = all[injected.at % all.length];
	if (injected.kind === 'attribute') target.attributes.push(injected.text);
	else target.children.push(injected.text);
	return serialise(document);
}

const JPEG = makeJpeg();
const PNG = makePng();

/** The photo as an SVG may embed it: either link attribute, any prefix, quotes, line breaks. */
const embedding = fc.record({
	photo: fc.constantFrom(
		{ bytes: JPEG, type: 'image/jpeg' },
		{ bytes: JPEG, type: 'image/jpg' },
		{ bytes: PNG, type: 'image/png' },
		{ bytes: PNG, type: 'IMAGE/PNG' },
	),
	element: fc.constantFrom('image', 'svg:image'),
	attribute: fc.constantFrom('href', 'xlink:href'),
	quote: fc.constantFrom('"', "'"),
	breaks: fc.constantFrom('', '\n', '&#10;', '&#xA;', '\r\n '),
});

function embedded(spec: {
	photo: { bytes: Buffer; type: string };
	element: string;
	attribute: string;
	quote: string;
	breaks: string;
}): string {
	const base64 = spec.photo.bytes.toString('base64');
	const text = spec.breaks === '' ? base64 : base64.replace(/(.{64})/g, `$1${spec.breaks}`);
	const { quote } = spec;
	return `<${spec.element} width="9" ${spec.attribute}=${quote}data:${spec.photo.type};base64,${text}${quote}/>`;
}

const noCheckpoint = async (): Promise<void> => {};

async function unwrap(text: string | Buffer, limit = LIMIT) {
	return await unwrapSvgPhoto(Buffer.from(text), limit, noCheckpoint);
}

function place(document: SvgNode, at: number, markup: string): void {
	const all = elements(document);
	all[at % all.length].children.push(markup);
}

describe('an SVG wrapping one photo gives exactly that photo (property)', () => {
	it("whatever else it carries: hazards, the review's leaks, outside image links", async () => {
		await fc.assert(
			fc.asyncProperty(
				root,
				embedding,
				fc.nat(),
				fc.option(hazard),
				fc.array(fc.tuple(reviewLeak, fc.nat()), { maxLength: 2 }),
				async (generated, spec, at, injected, leaks) => {
					const document = structuredClone(generated);
					place(document, at, embedded(spec));
					for (const [leak, where] of leaks) place(document, where, leak);
					const text = injected === null ? serialise(document) : withHazard(document, injected);
					const unwrapped = await unwrap(text);
					expect(unwrapped.ok && unwrapped.bytes.equals(spec.photo.bytes)).toBe(true);
				},
			),
			{ seed: SEED, numRuns: 300 },
		);
	});
});

describe('any other SVG is refused (property)', () => {
	it('a drawing, with or without hazards and leaks: unsupported_image_format, saying to upload the photo', async () => {
		await fc.assert(
			fc.asyncProperty(
				root,
				hazard,
				reviewLeak,
				fc.nat(),
				async (generated, injected, leak, at) => {
					const document = structuredClone(generated);
					place(document, at, leak);
					const unwrapped = await unwrap(withHazard(document, injected));
					expect(unwrapped.ok).toBe(false);
					if (unwrapped.ok) return;
					expect(unwrapped.problem.errorType).toBe('unsupported_image_format');
					expect(unwrapped.problem.hint).toMatch(/Upload the photo itself/);
				},
			),
			{ seed: SEED, numRuns: 300 },
		);
	});

	it('two photos anywhere: refused, the selfie would not be clear', async () => {
		await fc.assert(
			fc.asyncProperty(
				root,
				embedding,
				embedding,
				fc.nat(),
				fc.nat(),
				async (generated, a, b, i, j) => {
					const document = structuredClone(generated);
					place(document, i, embedded(a));
					place(document, j, embedded(b));
					const unwrapped = await unwrap(serialise(document));
					expect(unwrapped.ok ? 'sent' : unwrapped.problem.reason).toMatch(/more than one photo/);
				},
			),
			{ seed: SEED, numRuns: 100 },
		);
	});
});

describe('unwrapSvgPhoto', () => {
	it.each(Object.entries(HOSTILE_SVGS))('refuses %s', async (_name, bytes) => {
		expect(await unwrap(bytes)).toMatchObject({
			ok: false,
			problem: { errorType: 'unsupported_image_format' },
		});
	});

	it('gives the PNG of the SVG the image host serves, and refuses a drawing', async () => {
		const unwrapped = await unwrap(SAFE_SVG);
		expect(unwrapped.ok && unwrapped.bytes.equals(PNG)).toBe(true);
		expect(await unwrap(SVG_FACE)).toMatchObject({
			ok: false,
			problem: { reason: 'The SVG is not sent: it is a drawing, not a photo' },
		});
	});

	it('a photo in a comment or CDATA does not count; one outside does', async () => {
		const photo = embeddedImage(JPEG);
		const hidden = `<svg><!-- ${photo} --><text><![CDATA[${photo}]]></text></svg>`;
		expect((await unwrap(hidden)).ok).toBe(false);
		const unwrapped = await unwrap(hidden.replace('</svg>', `${photo}</svg>`));
		expect(unwrapped.ok && unwrapped.bytes.equals(JPEG)).toBe(true);
	});

	it.each([
		['another SVG', embeddedImage(SVG_FACE, 'image/svg+xml'), /no JPEG or PNG photo/],
		[
			'a GIF labelled PNG',
			embeddedImage(Buffer.from('GIF89a0000000000'), 'image/png'),
			/a GIF image/,
		],
		['a link', '<image href="https://evil.example/face.jpg"/>', /no JPEG or PNG photo/],
		['text that is not base64', '<image href="data:image/jpeg;base64,$$$$"/>', /not valid base64/],
		[
			'base64 cut off',
			`<image href="data:image/jpeg;base64,${JPEG.toString('base64').slice(0, -3)}"/>`,
			/cut off/,
		],
		['a photo not in base64', '<image href="data:image/jpeg,%FF%D8%FF"/>', /not base64-encoded/],
	])('refuses an SVG whose image is %s', async (_name, image, reason) => {
		const unwrapped = await unwrap(`<svg>${image}</svg>`);
		expect(unwrapped.ok).toBe(false);
		if (!unwrapped.ok) expect(unwrapped.problem.reason).toMatch(reason);
	});

	it('a wrapped photo above the limit is image_too_large, found before it is all decoded', async () => {
		const unwrapped = await unwrap(
			`<svg>${embeddedImage(makeJpeg(400, 400, { noise: 255 }))}</svg>`,
			10_000,
		);
		expect(unwrapped).toMatchObject({ ok: false, problem: { errorType: 'image_too_large' } });
	});

	it('says what was refused without echoing the content', async () => {
		const secret = '{"AccessKeyId":"AKIAEXAMPLE","SecretAccessKey":"s3cr3t"}';
		const unwrapped = await unwrap(`<svg ${secret}`);
		const text = JSON.stringify(unwrapped);
		expect(text).not.toContain('s3cr3t');
		expect(text).not.toContain('AKIA');
	});

	it('checkImageBytes never lets an SVG through as it is', () => {
		for (const bytes of [SAFE_SVG, SVG_FACE]) {
			expect(checkImageBytes(bytes, LIMIT)).toMatchObject({
				errorType: 'unsupported_image_format',
				hint: expect.stringMatching(/Upload the photo itself/),
			});
		}
	});
});

describe('the SVG scan lets the event loop run (issue 24, item 2)', () => {
	/** Counts checkpoints against the bytes the scan and the decoding went through. */
	async function checkpointsFor(svg: Buffer): Promise<number> {
		let calls = 0;
		await unwrapSvgPhoto(svg, INPUT_LIMIT, async () => {
			calls++;
		});
		return calls;
	}

	it.each([
		['tags', `<svg>${'<'.repeat(4 * MB)}</svg>`],
		['elements', `<svg>${'<g href="x"/>'.repeat(MB / 4)}</svg>`],
		['comments', `<svg>${'<!---->'.repeat(MB / 2)}</svg>`],
		['one comment', `<svg><!--${' '.repeat(4 * MB)}--></svg>`],
		['one value', `<svg><image href="${'a'.repeat(4 * MB)}"/></svg>`],
		['spaces in a tag', `<svg><image ${' '.repeat(4 * MB)}/></svg>`],
	])('a checkpoint at least every 64 KB of %s', async (_name, text) => {
		const svg = Buffer.from(text);
		expect(await checkpointsFor(svg)).toBeGreaterThanOrEqual(
			Math.floor(svg.length / (64 * 1024)) - 1,
		);
	});

	it('and while decoding a wrapped photo: at least every 256 KB of base64', async () => {
		const large = Buffer.concat([JPEG, Buffer.alloc(3 * MB, 7)]);
		const svg = Buffer.from(`<svg>${embeddedImage(large)}</svg>`);
		const base64Length = Math.ceil(large.length / 3) * 4;
		expect(await checkpointsFor(svg)).toBeGreaterThanOrEqual(
			Math.floor(svg.length / (64 * 1024)) + Math.floor(base64Length / (256 * 1024)) - 2,
		);
	});

	it('a file of image elements is not a photo wrapper: the scan stops after 1,000 of them', async () => {
		let calls = 0;
		const many = Buffer.from(`<svg>${'<image href="x"/>'.repeat(MB)}</svg>`);
		const found = await findWrappedPhoto(many, async () => {
			calls++;
		});
		expect(found).toEqual({
			ok: false,
			reason: 'it has more than 1,000 image elements; a photo wrapper has one',
		});
		expect(calls).toBeLessThan(2);
	});

	it('findWrappedPhoto stops at the second photo', async () => {
		let calls = 0;
		const two = `<svg>${embeddedImage(JPEG)}${embeddedImage(JPEG)}${'<g/>'.repeat(MB)}</svg>`;
		const found = await findWrappedPhoto(Buffer.from(two), async () => {
			calls++;
		});
		expect(found.ok).toBe(false);
		expect(calls).toBeLessThan(2);
	});
});

describe('the hostile SVGs (test/helpers/hostile/svg.ts)', () => {
	it.each(svgHostileInputs().map((input) => [input.name, input]))('%s', async (_name, input) => {
		const unwrapped = await unwrapSvgPhoto(Buffer.from(input.make()), INPUT_LIMIT, noCheckpoint);
		if (input.outcome === 'refused') {
			expect(unwrapped).toMatchObject({ ok: false, problem: { errorType: input.refusedAs } });
		}
		if (input.outcome === 'sent') expect(unwrapped.ok && unwrapped.bytes.equals(JPEG)).toBe(true);
	});
});
