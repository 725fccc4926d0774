/**
 * Whether an SVG may be forwarded to Kredibel. An SVG is a program as much as a picture: it can
 * carry scripts, event handlers, HTML (`foreignObject`), entities, and links that a rasteriser
 * or a reviewer's browser follows (an internal address, `file:///etc/passwd`). Kredibel's
 * rasteriser, and a browser if Keep Binary passes the file on, would process all of it. So an
 * SVG goes out only when it is a well-formed XML document with an `svg` root and nothing active
 * or external in it; anything else that looks like SVG is refused.
 *
 * A small strict tokenizer, written for this: one pass, no regex over the document (no
 * backtracking on hostile input), linear in the size, which the caller has already capped.
 */

/** Elements that run code, embed other documents, load styles or change links over time. */
const REFUSED_ELEMENTS = new Map([
	['script', 'a script element'],
	['foreignobject', 'a foreignObject element (HTML inside the SVG)'],
	['style', 'a style element (CSS can load other files)'],
	['handler', 'a handler element (script)'],
	['listener', 'a listener element (script)'],
	['iframe', 'an iframe element'],
	['embed', 'an embed element'],
	['object', 'an object element'],
	['set', 'an animation element (it can rewrite links)'],
	['animate', 'an animation element (it can rewrite links)'],
	['animatemotion', 'an animation element (it can rewrite links)'],
	['animatetransform', 'an animation element (it can rewrite links)'],
	['animatecolor', 'an animation element (it can rewrite links)'],
]);

/** Attributes whose value is a link: it must stay inside the file (`#id`) or be an embedded image. */
const LINK_ATTRIBUTES = new Set(['href', 'src']);
const PREDEFINED_ENTITIES = new Map([
	['lt', '<'],
	['gt', '>'],
	['amp', '&'],
	['quot', '"'],
	['apos', "'"],
]);
/** The only data: URLs an SVG may embed: the photo formats Kredibel takes. */
const EMBEDDED_IMAGE_PREFIXES = ['data:image/png', 'data:image/jpeg', 'data:image/jpg'];

class Refused extends Error {}

function refuse(reason: string): never {
	throw new Refused(reason);
}

/**
 * Why `bytes` must not be forwarded as an SVG ("it contains a script element"), or undefined
 * when it is a safe SVG document.
 */
export function svgRefusal(bytes: Buffer): string | undefined {
	try {
		new SvgReader(bytes.toString('utf8')).read();
		return undefined;
	} catch (error) {
		// Anything unexpected refuses the file too: forwarding is what must be earned.
		return error instanceof Refused ? error.message : 'it could not be read as an SVG document';
	}
}

function isNameStart(code: number): boolean {
	return (
		(code >= 65 && code <= 90) ||
		(code >= 97 && code <= 122) ||
		code === 95 ||
		code === 58 ||
		code > 127
	);
}

function isNameChar(code: number): boolean {
	return isNameStart(code) || (code >= 48 && code <= 57) || code === 45 || code === 46;
}

function isSpace(code: number): boolean {
	return code === 32 || code === 9 || code === 10 || code === 13;
}

/** The part after a namespace prefix, lower case: `svg:script` -> `script`. */
function localName(name: string): string {
	return name.slice(name.indexOf(':') + 1).toLowerCase();
}

class SvgReader {
	private at = 0;
	private readonly open: string[] = [];
	private sawRoot = false;

	constructor(private readonly text: string) {
		if (text.charCodeAt(0) === 0xfeff) this.at = 1;
	}

	read(): void {
		const { text } = this;
		while (this.at < text.length) {
			const lt = text.indexOf('<', this.at);
			const textEnd = lt === -1 ? text.length : lt;
			this.checkText(this.at, textEnd);
			if (lt === -1) break;
			this.at = lt;
			if (text.startsWith('<!--', lt)) this.skipComment();
			else if (text.startsWith('<![CDATA[', lt)) this.skipCdata();
			else if (text.startsWith('<!', lt)) refuse('it has a DOCTYPE or entity declaration');
			else if (text.startsWith('<?', lt)) this.readProcessingInstruction();
			else if (text.startsWith('</', lt)) this.readEndTag();
			else this.readStartTag();
		}
		if (!this.sawRoot) refuse('it has no svg element');
		if (this.open.length > 0) refuse(`its <${this.open[this.open.length - 1]}> is never closed`);
	}

	/** Text between tags: only outside the root it must be blank; references must be known. */
	private checkText(from: number, to: number): void {
		const outsideRoot = this.open.length === 0;
		for (let i = from; i < to; i++) {
			const code = this.text.charCodeAt(i);
			if (outsideRoot && !isSpace(code)) refuse('it has text outside the svg element');
			if (code === 38) i = readReference(this.text, i) - 1;
		}
	}

	private decodeValue(raw: string): string {
		let decoded = '';
		let i = 0;
		while (i < raw.length) {
			const amp = raw.indexOf('&', i);
			if (amp === -1) {
				decoded += raw.slice(i);
				break;
			}
			decoded += raw.slice(i, amp);
			const end = raw.indexOf(';', amp);
			// Checked as well-formed before decoding.
			const body = raw.slice(amp + 1, end);
			const named = PREDEFINED_ENTITIES.get(body);
			if (named !== undefined) decoded += named;
			else {
				const hex = body[1] === 'x' || body[1] === 'X';
				const code = parseInt(body.slice(hex ? 2 : 1), hex ? 16 : 10);
				decoded += code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
			}
			i = end + 1;
		}
		return decoded;
	}

	private skipComment(): void {
		const end = this.text.indexOf('-->', this.at + 4);
		if (end === -1) refuse('it has a comment that is never closed');
		this.at = end + 3;
	}

	private skipCdata(): void {
		if (this.open.length === 0) refuse('it has text outside the svg element');
		const end = this.text.indexOf(']]>', this.at + 9);
		if (end === -1) refuse('it has a CDATA section that is never closed');
		this.at = end + 3;
	}

	/** Only the XML declaration, at the very start. */
	private readProcessingInstruction(): void {
		const end = this.text.indexOf('?>', this.at + 2);
		if (end === -1) refuse('it has a processing instruction that is never closed');
		const start = this.text.charCodeAt(0) === 0xfeff ? 1 : 0;
		const isDeclaration =
			this.at === start &&
			this.text.startsWith('<?xml', this.at) &&
			isSpace(this.text.charCodeAt(this.at + 5));
		if (!isDeclaration) refuse('it has a processing instruction (such as xml-stylesheet)');
		this.at = end + 2;
	}

	private readName(): string {
		const start = this.at;
		if (!isNameStart(this.text.charCodeAt(this.at))) refuse('it has a tag without a name');
		while (this.at < this.text.length && isNameChar(this.text.charCodeAt(this.at))) this.at++;
		return this.text.slice(start, this.at);
	}

	private skipSpaces(): boolean {
		const start = this.at;
		while (this.at < this.text.length && isSpace(this.text.charCodeAt(this.at))) this.at++;
		return this.at > start;
	}

	private readEndTag(): void {
		this.at += 2;
		const name = this.readName();
		this.skipSpaces();
		if (this.text[this.at] !== '>') refuse('it has a malformed end tag');
		this.at++;
		const expected = this.open.pop();
		if (expected !== name) refuse('its tags are not properly nested');
	}

	private readStartTag(): void {
		this.at++;
		const name = this.readName();
		if (this.open.length === 0) {
			if (this.sawRoot) refuse('it has more than one root element');
			if (localName(name) !== 'svg' || name.includes(':')) refuse('its root element is not svg');
			this.sawRoot = true;
		}
		const refusedElement = REFUSED_ELEMENTS.get(localName(name));
		if (refusedElement !== undefined) refuse(`it contains ${refusedElement}`);
		const seen = new Set<string>();
		for (;;) {
			const spaced = this.skipSpaces();
			const next = this.text[this.at];
			if (next === '>') {
				this.at++;
				this.open.push(name);
				return;
			}
			if (next === '/' && this.text[this.at + 1] === '>') {
				this.at += 2;
				return;
			}
			if (next === undefined) refuse(`its <${name.slice(0, 20)}> tag is never closed`);
			if (!spaced) refuse('it has a malformed tag');
			const attribute = this.readName();
			if (seen.has(attribute)) refuse('it repeats an attribute');
			seen.add(attribute);
			this.skipSpaces();
			if (this.text[this.at] !== '=') refuse('it has an attribute without a value');
			this.at++;
			this.skipSpaces();
			const quote = this.text[this.at];
			if (quote !== '"' && quote !== "'") refuse('it has an attribute value without quotes');
			const end = this.text.indexOf(quote, this.at + 1);
			if (end === -1) refuse('it has an attribute value that is never closed');
			const raw = this.text.slice(this.at + 1, end);
			if (raw.includes('<')) refuse('it has a "<" inside an attribute value');
			for (let i = raw.indexOf('&'); i !== -1; i = raw.indexOf('&', i)) i = readReference(raw, i);
			this.at = end + 1;
			checkAttribute(attribute, this.decodeValue(raw));
		}
	}
}

/** `&name;` or `&#...;` at `at` in `text`; returns the index after the `;`. */
function readReference(text: string, at: number): number {
	const end = text.indexOf(';', at);
	if (end === -1 || end - at > 12) refuse('it has an "&" that is not a character reference');
	const body = text.slice(at + 1, end);
	if (PREDEFINED_ENTITIES.has(body)) return end + 1;
	const hex = body.startsWith('#x') || body.startsWith('#X');
	if (hex && body.length > 2 && isHex(body.slice(2))) return end + 1;
	if (!hex && body.startsWith('#') && body.length > 1 && isDecimal(body.slice(1))) return end + 1;
	refuse('it uses an entity other than the five XML ones');
}

function isHex(text: string): boolean {
	for (let i = 0; i < text.length; i++) {
		const code = text.charCodeAt(i) | 0x20;
		if (!((code >= 48 && code <= 57) || (code >= 97 && code <= 102))) return false;
	}
	return true;
}

function isDecimal(text: string): boolean {
	for (let i = 0; i < text.length; i++) {
		const code = text.charCodeAt(i);
		if (code < 48 || code > 57) return false;
	}
	return true;
}

/** Lower case, without whitespace and control characters: how browsers read `java\tscript:`. */
function squeezed(value: string): string {
	let out = '';
	for (let i = 0; i < value.length; i++) {
		const code = value.charCodeAt(i);
		if (code > 32 && code !== 127) out += value[i];
	}
	return out.toLowerCase();
}

function isInternalLink(target: string): boolean {
	return (
		target.startsWith('#') || EMBEDDED_IMAGE_PREFIXES.some((prefix) => target.startsWith(prefix))
	);
}

function checkAttribute(name: string, value: string): void {
	const lowerName = name.toLowerCase();
	// Namespace declarations name a namespace; nothing loads them.
	if (lowerName === 'xmlns' || lowerName.startsWith('xmlns:')) return;
	const local = localName(name);
	if (local.startsWith('on')) refuse('it has an event handler attribute');
	const plain = squeezed(value);
	if (LINK_ATTRIBUTES.has(local) && !isInternalLink(plain)) {
		refuse('it links to something outside itself (only #id and data:image links are allowed)');
	}
	if (local === 'style' && plain.includes('\\')) refuse('it has a CSS escape in a style attribute');
	if (plain.includes('@import')) refuse('it imports a stylesheet');
	for (let at = plain.indexOf('url('); at !== -1; at = plain.indexOf('url(', at + 4)) {
		let target = plain.slice(at + 4);
		if (target.startsWith('"') || target.startsWith("'")) target = target.slice(1);
		if (!isInternalLink(target)) {
			refuse('it has a url() that points outside itself (only #id and data:image are allowed)');
		}
	}
	if (plain.includes('javascript:')) refuse('it has a javascript: link');
}
