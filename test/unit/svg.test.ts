/**
 * SVG is forwarded only when it is a well-formed SVG document with nothing active or external in
 * it (docs/image-url.md). A property test builds random SVG trees from safe parts:
 * with one hazard injected anywhere (a script, an event handler, foreignObject, a DOCTYPE, a link
 * outside the file in the spellings browsers accept) they are never accepted; without, and with
 * an embedded PNG as a data: URL, they always are.
 */
import fc from 'fast-check';

import { checkImageBytes } from '../../nodes/KredibelBiometric/image/imageBytes';
import { svgRefusal } from '../../nodes/KredibelBiometric/image/svg';
import { HOSTILE_SVGS, makePng, SAFE_SVG } from '../fixtures/images';

const SEED = 20_261_206;
const LIMIT = 1024 * 1024;

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

const PNG_DATA_URL = `data:image/png;base64,${makePng().toString('base64')}`;

describe('svgRefusal (property)', () => {
	it('never accepts an SVG with a script, handler, foreignObject, DOCTYPE or outside link', () => {
		fc.assert(
			fc.property(root, hazard, (document, injected) => {
				const text = withHazard(document, injected);
				expect(svgRefusal(Buffer.from(text))).toEqual(expect.any(String));
				expect(checkImageBytes(Buffer.from(text), LIMIT)?.errorType).toBe(
					'unsupported_image_format',
				);
			}),
			{ seed: SEED, numRuns: 600 },
		);
	});

	it('accepts the same trees without a hazard, with a PNG embedded as a data: URL', () => {
		fc.assert(
			fc.property(root, fc.nat(), (generated, at) => {
				const document = structuredClone(generated);
				const all = elements(document);
				all[at % all.length].children.push(`<image width="10" href="${PNG_DATA_URL}"/>`);
				const text = `<?xml version="1.0" encoding="UTF-8"?>\n<!-- face -->\n${serialise(document)}\n`;
				expect(svgRefusal(Buffer.from(text))).toBeUndefined();
				expect(checkImageBytes(Buffer.from(text), LIMIT)).toBeUndefined();
			}),
			{ seed: SEED, numRuns: 300 },
		);
	});
});

describe('svgRefusal', () => {
	it.each(Object.entries(HOSTILE_SVGS))('refuses %s', (_name, bytes) => {
		expect(svgRefusal(bytes)).toMatch(/^it /);
		expect(checkImageBytes(bytes, LIMIT)?.errorType).toBe('unsupported_image_format');
	});

	it('accepts the plain SVG the image host serves', () => {
		expect(checkImageBytes(SAFE_SVG, LIMIT)).toBeUndefined();
	});

	it('says what was refused without echoing the content', () => {
		const secret = '{"AccessKeyId":"AKIAEXAMPLE","SecretAccessKey":"s3cr3t"}';
		const problem = checkImageBytes(Buffer.from(`<svg ${secret}`), LIMIT);
		expect(problem?.errorType).toBe('unsupported_image_format');
		expect(problem?.reason).not.toContain('s3cr3t');
		expect(problem?.reason).not.toContain('AKIA');
	});

	it('stays linear on hostile nesting and long attribute runs', () => {
		const deep = Buffer.from(`<svg>${'<g>'.repeat(200_000)}${'</g>'.repeat(200_000)}</svg>`);
		expect(svgRefusal(deep)).toBeUndefined();
		const amps = Buffer.from(`<svg a="${'&amp;'.repeat(200_000)}"/>`);
		expect(svgRefusal(amps)).toBeUndefined();
		const comments = Buffer.from(`${'<!---->'.repeat(100_000)}<svg/>`);
		expect(svgRefusal(comments)).toBeUndefined();
	});
});
