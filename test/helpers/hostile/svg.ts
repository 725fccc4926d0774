/**
 * Hostile SVG inputs: generators of the shapes an attacker would post (see hostileInput.ts). An
 * SVG is never forwarded (issue 24, item 7): one that wraps a single JPEG or PNG gives that photo,
 * whatever else it carries; any other is refused. So the shapes are the leaks the attacker review
 * found in the old SVG check (CSS escapes, XHTML `srcset` and `poster`, a `meta` refresh), which
 * must now be refused as drawings or give only their photo, and the shapes that attack the scan
 * itself (millions of tags, comments or attributes, one value the whole file long, entity bombs),
 * which must stay within the budget. Files are made here, deterministic, never committed.
 */
import { makeJpeg, makePng } from '../../fixtures/images';
import type { HostileInput } from './hostileInput';

const MB = 1024 * 1024;
/** The largest input the node reads with Prepare Photo on. */
const INPUT_LIMIT = 25 * MB;

const SVG_OPEN =
	'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="64" height="80">';

/** An `<image>` embedding `photo` as a data URL. */
export function embeddedImage(photo: Buffer, type = 'image/jpeg', attribute = 'href'): string {
	return `<image width="64" height="80" ${attribute}="data:${type};base64,${photo.toString('base64')}"/>`;
}

const svg = (body: string): Uint8Array => Buffer.from(`${SVG_OPEN}${body}</svg>`);

/** The drawings the attacker review got through the old check: each makes a viewer fetch or move. */
const REVIEW_LEAKS: Array<[string, string]> = [
	['a CSS escape in fill', '<rect width="9" height="9" fill="\\75 rl(https://evil.example/f)"/>'],
	[
		'a CSS escape in filter',
		'<rect width="9" height="9" filter="\\75 rl(https://evil.example/x)"/>',
	],
	['a CSS escape in mask', '<rect width="9" height="9" mask="\\000075rl(//evil.example/m)"/>'],
	[
		'a CSS escape in cursor',
		'<rect width="9" height="9" cursor="\\75 rl(https://evil.example/c), auto"/>',
	],
	[
		'XHTML img srcset',
		'<foreignObject width="9" height="9"><img xmlns="http://www.w3.org/1999/xhtml" srcset="https://evil.example/a.png 1x"/></foreignObject>',
	],
	[
		'XHTML video poster',
		'<foreignObject width="9" height="9"><video xmlns="http://www.w3.org/1999/xhtml" poster="https://evil.example/p.png"/></foreignObject>',
	],
	[
		'XHTML link imagesrcset',
		'<foreignObject width="9" height="9"><link xmlns="http://www.w3.org/1999/xhtml" rel="preload" as="image" imagesrcset="https://evil.example/i.png 1x"/></foreignObject>',
	],
	[
		'meta http-equiv refresh',
		'<foreignObject width="9" height="9"><meta xmlns="http://www.w3.org/1999/xhtml" http-equiv="refresh" content="0;url=https://evil.example/"/></foreignObject>',
	],
];

function repeatTo(unit: string, bytes: number): string {
	return unit.repeat(Math.floor(bytes / unit.length));
}

export function svgHostileInputs(): HostileInput[] {
	const photo = makeJpeg(64, 80);
	const refused = { outcome: 'refused', refusedAs: 'unsupported_image_format' } as const;
	return [
		...REVIEW_LEAKS.map(
			([what, body]): HostileInput => ({
				name: `SVG drawing with ${what}`,
				format: 'svg',
				attack: 'outside fetch or redirect in a viewer',
				...refused,
				make: () => svg(body),
			}),
		),
		...REVIEW_LEAKS.map(
			([what, body]): HostileInput => ({
				name: `SVG wrapping a photo, with ${what}`,
				format: 'svg',
				attack: 'outside fetch or redirect in a viewer',
				outcome: 'sent',
				make: () => svg(`${body}${embeddedImage(photo)}<script>fetch('//evil.example')</script>`),
			}),
		),
		{
			name: 'SVG with two embedded photos',
			format: 'svg',
			attack: 'which photo is the selfie',
			...refused,
			make: () => svg(`${embeddedImage(photo)}${embeddedImage(makePng(), 'image/png')}`),
		},
		{
			name: 'SVG whose only photo is inside a comment and a CDATA section',
			format: 'svg',
			attack: 'markup that is not markup',
			...refused,
			make: () =>
				svg(`<!-- ${embeddedImage(photo)} --><text><![CDATA[${embeddedImage(photo)}]]></text>`),
		},
		{
			name: 'SVG wrapping another SVG as data:image/svg+xml',
			format: 'svg',
			attack: 'an SVG inside an SVG',
			...refused,
			make: () => svg(embeddedImage(Buffer.from(`${SVG_OPEN}</svg>`), 'image/svg+xml')),
		},
		{
			name: 'SVG wrapping a GIF labelled data:image/png',
			format: 'svg',
			attack: 'a media type that lies',
			...refused,
			make: () =>
				svg(
					embeddedImage(Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(64, 1)]), 'image/png'),
				),
		},
		{
			name: 'SVG with an entity bomb (billion laughs) and no photo',
			format: 'svg',
			attack: 'entity expansion',
			...refused,
			make: () => {
				const entities = Array.from(
					{ length: 10 },
					(_, level) => `<!ENTITY l${level + 1} "${`&l${level};`.repeat(10)}">`,
				).join('');
				return Buffer.from(
					`<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY l0 "lol">${entities}]>${SVG_OPEN}<text>&l10;</text></svg>`,
				);
			},
		},
		{
			name: 'SVG of 1 MB of small elements (the old check held the event loop 130-184 ms)',
			format: 'svg',
			attack: 'event loop',
			...refused,
			make: () => svg(repeatTo('<g><rect x="1" y="2" fill="red"/></g>', MB)),
		},
		{
			name: 'SVG of 25 MB of "<"',
			format: 'svg',
			attack: 'scan cost per tag',
			...refused,
			make: () => svg(repeatTo('<', INPUT_LIMIT - 200)),
		},
		{
			name: 'SVG of 25 MB of empty image elements',
			format: 'svg',
			attack: 'scan cost per image element',
			...refused,
			make: () => svg(repeatTo('<image/>', INPUT_LIMIT - 200)),
		},
		{
			name: 'SVG of 25 MB of image elements linking outside',
			format: 'svg',
			attack: 'scan cost per link',
			...refused,
			make: () => svg(repeatTo('<image href="x"/>', INPUT_LIMIT - 200)),
		},
		{
			name: 'SVG of 25 MB of empty comments',
			format: 'svg',
			attack: 'scan cost per comment',
			...refused,
			make: () => svg(repeatTo('<!---->', INPUT_LIMIT - 200)),
		},
		{
			name: 'SVG with one image element of 25 MB of attributes',
			format: 'svg',
			attack: 'scan cost per attribute',
			...refused,
			make: () => svg(`<image ${repeatTo('a="" ', INPUT_LIMIT - 200)}/>`),
		},
		{
			name: 'SVG whose one attribute value never ends (25 MB)',
			format: 'svg',
			attack: 'one value the whole file long',
			...refused,
			make: () =>
				Buffer.from(
					`${SVG_OPEN}<image href="data:image/jpeg;base64,${repeatTo('A', INPUT_LIMIT - 300)}`,
				),
		},
		{
			name: 'SVG wrapping 18 MB of base64 with a line break reference every 76 characters',
			format: 'svg',
			attack: 'base64 decode cost',
			outcome: 'either',
			make: () => {
				// A valid JPEG start, then filler: decoded, then left to the photo code to refuse or send.
				const body = Buffer.concat([photo, Buffer.alloc(13 * MB, 0x55)]).toString('base64');
				const lines = body.replace(/(.{76})/g, '$1&#10;');
				return svg(`<image href="data:image/jpeg;base64,${lines}"/>`);
			},
		},
	];
}
