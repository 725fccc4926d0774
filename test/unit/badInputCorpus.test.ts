/**
 * A corpus of bad inputs, run through the whole node with "continue on fail": every one must
 * become an error item that names the item and the fix, with the documented errorType, and none
 * may reach Kredibel (local checks are free; a request could be charged).
 */
import { NodeOperationError, type IDataObject, type INodeExecutionData } from 'n8n-workflow';

import { makeJpeg, makeLargeJpeg, makePng, NOT_ACCEPTED } from '../fixtures/images';
import {
	BinaryStore,
	jsonItem,
	runNode,
	sandboxResponder,
	type RunResult,
} from '../helpers/mockExecuteContext';

/** Matches in the sandbox: if any bad input slipped through, it would come out as a success. */
const MATCH_NIK = '1234567890123456';
/** A man born 17 August 1945 in Jakarta Pusat: passes `strict`. */
const STRICT_NIK = '3171011708450001';

const JPEG = makeJpeg();
const JPEG_BASE64 = JPEG.toString('base64');

/** Base64 whose length without padding is 4n+1: one character too many to decode. */
const BASE64_4N_PLUS_1 = (() => {
	let body = JPEG_BASE64.replace(/=+$/, '');
	while (body.length % 4 !== 1) body += 'A';
	return body;
})();

/** Several MB of text that is not base64 at all. */
const HUGE_NOT_BASE64 = 'This is not base64! '.repeat(300_000);

type ItemFactory = (store: BinaryStore) => INodeExecutionData;

interface BadInput {
	name: string;
	errorType: string;
	/** What the error message must say, besides the "[item N]" prefix. */
	reason?: RegExp;
	/** What the fix hint must say, besides being non-empty. */
	hint?: RegExp;
	/** Node parameters, on top of a valid NIK and a binary JPEG in `data`. */
	parameters?: Record<string, unknown>;
	/** The input item; by default one with a valid JPEG in the binary property `data`. */
	item?: ItemFactory;
}

const withBinary =
	(bytes: Buffer, property = 'data', mimeType = 'image/jpeg'): ItemFactory =>
	(store) =>
		jsonItem({ applicant: 'A-1' }, { [property]: store.add(bytes, mimeType) });
const noBinary: ItemFactory = () => jsonItem({ applicant: 'A-1' });

const nik = (identityId: unknown, nikValidation = 'format') => ({
	identityId,
	options: { nikValidation },
});
const base64 = (base64Image: unknown) => ({ imageSource: 'base64', base64Image });
const options = (values: IDataObject) => ({ options: values });
const dataUrl = (mime: string, bytes: Buffer) => `data:${mime};base64,${bytes.toString('base64')}`;

// prettier-ignore
const corpus: BadInput[] = [
	// NIK: format
	{ name: 'NIK with 15 digits', errorType: 'invalid_identity_id', reason: /15 digits/, parameters: nik('317101170845000') },
	{ name: 'NIK with 17 digits', errorType: 'invalid_identity_id', reason: /17 digits/, parameters: nik('31710117084500011') },
	{ name: 'NIK with letters (O for 0)', errorType: 'invalid_identity_id', reason: /other than digits/, parameters: nik('3171O117O8450001') },
	{ name: 'NIK empty', errorType: 'invalid_identity_id', reason: /empty/, parameters: nik('') },
	{ name: 'NIK only separators', errorType: 'invalid_identity_id', reason: /empty/, parameters: nik(' - . ') },
	{ name: 'NIK null', errorType: 'invalid_identity_id', reason: /empty/, parameters: nik(null) },
	{ name: 'NIK an object', errorType: 'invalid_identity_id', reason: /not text/, parameters: nik({ nik: STRICT_NIK }) },
	{ name: 'NIK an array', errorType: 'invalid_identity_id', reason: /not text/, parameters: nik([STRICT_NIK]) },
	{ name: 'NIK a boolean', errorType: 'invalid_identity_id', reason: /not text/, parameters: nik(true) },
	{ name: 'NIK an unsafe number', errorType: 'invalid_identity_id', reason: /too large to be exact/, hint: /as text/, parameters: nik(Number.MAX_SAFE_INTEGER + 2) },
	{ name: 'Papua NIK as a number', errorType: 'invalid_identity_id', reason: /too large to be exact/, hint: /as text/, parameters: nik(Number('9171011708450001')) },
	{ name: 'NIK a negative number', errorType: 'invalid_identity_id', parameters: nik(-3171011708450001) },
	{ name: 'NIK a fraction', errorType: 'invalid_identity_id', parameters: nik(3171011708450.5) },
	{ name: 'NIK NaN', errorType: 'invalid_identity_id', parameters: nik(NaN) },
	// NIK: strict
	{ name: 'strict: province 99', errorType: 'invalid_identity_id', reason: /province code 99/, hint: /Format Only/, parameters: nik('9971011708450001', 'strict') },
	{ name: 'strict: province 00', errorType: 'invalid_identity_id', reason: /province code 00/, parameters: nik('0071011708450001', 'strict') },
	{ name: 'strict: day 32', errorType: 'invalid_identity_id', reason: /birth day 32/, parameters: nik('3171013208450001', 'strict') },
	{ name: 'strict: day 40', errorType: 'invalid_identity_id', reason: /birth day 40/, parameters: nik('3171014008450001', 'strict') },
	{ name: 'strict: day 72', errorType: 'invalid_identity_id', reason: /birth day 72/, parameters: nik('3171017208450001', 'strict') },
	{ name: 'strict: day 00', errorType: 'invalid_identity_id', reason: /birth day 00/, parameters: nik('3171010008450001', 'strict') },
	{ name: 'strict: month 13', errorType: 'invalid_identity_id', reason: /birth month 13/, parameters: nik('3171011713450001', 'strict') },
	{ name: 'strict: month 00', errorType: 'invalid_identity_id', reason: /birth month 00/, parameters: nik('3171011700450001', 'strict') },
	{ name: 'strict: serial 0000', errorType: 'invalid_identity_id', reason: /serial number 0000/, parameters: nik('3171011708450000', 'strict') },
	{ name: 'strict: 31 April', errorType: 'invalid_identity_id', reason: /birth day 31/, parameters: nik('3171013104450001', 'strict') },
	{ name: 'strict: 31 April, woman (71)', errorType: 'invalid_identity_id', reason: /birth day 71/, parameters: nik('3171017104450001', 'strict') },
	{ name: 'strict: 30 February', errorType: 'invalid_identity_id', reason: /birth day 30/, parameters: nik('3171013002450001', 'strict') },
	{ name: 'strict: sandbox test NIK', errorType: 'invalid_identity_id', reason: /birth month 90/, parameters: nik(MATCH_NIK, 'strict') },
	// Images from binary data
	{ name: 'empty file', errorType: 'missing_image', reason: /empty \(0 bytes\)/, item: withBinary(Buffer.alloc(0)) },
	{ name: 'JPEG head, 1 byte', errorType: 'unsupported_image_format', item: withBinary(Buffer.from([0xff])) },
	{ name: 'JPEG head, 2 bytes', errorType: 'unsupported_image_format', reason: /truncated JPEG/, item: withBinary(Buffer.from([0xff, 0xd8])) },
	{ name: 'JPEG head, 3 bytes', errorType: 'unsupported_image_format', reason: /truncated JPEG/, item: withBinary(Buffer.from([0xff, 0xd8, 0xff])) },
	{ name: 'PNG cut before IHDR', errorType: 'unsupported_image_format', reason: /truncated PNG/, item: withBinary(makePng().subarray(0, 20), 'data', 'image/png') },
	{ name: 'GIF', errorType: 'unsupported_image_format', reason: /GIF/, hint: /Edit Image/, item: withBinary(NOT_ACCEPTED.gif, 'data', 'image/gif') },
	{ name: 'WebP', errorType: 'unsupported_image_format', reason: /WebP/, item: withBinary(NOT_ACCEPTED.webp, 'data', 'image/webp') },
	{ name: 'HEIC', errorType: 'unsupported_image_format', reason: /HEIC/, item: withBinary(NOT_ACCEPTED.heic, 'data', 'image/heic') },
	{ name: 'PDF', errorType: 'unsupported_image_format', reason: /PDF/, item: withBinary(NOT_ACCEPTED.pdf, 'data', 'application/pdf') },
	{ name: 'BMP', errorType: 'unsupported_image_format', reason: /BMP/, item: withBinary(NOT_ACCEPTED.bmp, 'data', 'image/bmp') },
	{ name: 'TIFF', errorType: 'unsupported_image_format', reason: /TIFF/, item: withBinary(Buffer.concat([Buffer.from([0x49, 0x49, 0x2a, 0x00]), Buffer.alloc(64, 1)]), 'data', 'image/tiff') },
	{ name: 'ZIP', errorType: 'unsupported_image_format', reason: /ZIP/, item: withBinary(Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(64, 1)]), 'data', 'application/zip') },
	{ name: 'HTML with an inline SVG', errorType: 'unsupported_image_format', item: withBinary(Buffer.from('<!doctype html><html><body><svg></svg></body></html>'), 'data', 'text/html') },
	{ name: 'plain text named .jpg', errorType: 'unsupported_image_format', item: withBinary(NOT_ACCEPTED.text, 'data', 'image/jpeg') },
	{ name: 'JPEG above Max Image Size', errorType: 'image_too_large', reason: /above the 2\.0 KB limit/, hint: /Edit Image/, parameters: options({ maxImageSizeKb: 2 }), item: withBinary(makeLargeJpeg(3 * 1024)) },
	// Images from base64
	{ name: 'base64: empty', errorType: 'missing_image', parameters: base64(''), item: noBinary },
	{ name: 'base64: whitespace only', errorType: 'missing_image', parameters: base64(' \n\t\r\n '), item: noBinary },
	{ name: 'base64: not a string', errorType: 'missing_image', parameters: base64({ data: JPEG_BASE64 }), item: noBinary },
	{ name: 'base64: data: URL with no data', errorType: 'missing_image', parameters: base64('data:image/jpeg;base64,'), item: noBinary },
	{ name: 'base64: broken characters', errorType: 'invalid_base64_encoding', parameters: base64(`${JPEG_BASE64.slice(0, 40)}$%^&*${JPEG_BASE64.slice(40)}`), item: noBinary },
	{ name: 'base64: padding in the middle', errorType: 'invalid_base64_encoding', parameters: base64(`/9j/4A==${JPEG_BASE64.slice(8)}`), item: noBinary },
	{ name: 'base64: length 4n+1', errorType: 'invalid_base64_encoding', parameters: base64(BASE64_4N_PLUS_1), item: noBinary },
	{ name: 'base64: data: URL without ;base64', errorType: 'invalid_base64_encoding', reason: /;base64/, parameters: base64(`data:image/jpeg,${JPEG_BASE64}`), item: noBinary },
	{ name: 'base64: several MB of text', errorType: 'image_too_large', parameters: base64(HUGE_NOT_BASE64), item: noBinary },
	{ name: 'base64: data:application/pdf', errorType: 'unsupported_image_format', reason: /application\/pdf/, parameters: base64(dataUrl('application/pdf', NOT_ACCEPTED.pdf)), item: noBinary },
	{ name: 'base64: data:image/gif', errorType: 'unsupported_image_format', reason: /image\/gif/, parameters: base64(dataUrl('image/gif', NOT_ACCEPTED.gif)), item: noBinary },
	{ name: 'base64: data:text/plain', errorType: 'unsupported_image_format', reason: /text\/plain/, parameters: base64(dataUrl('text/plain', NOT_ACCEPTED.text)), item: noBinary },
	{ name: 'base64: a GIF labelled image/jpeg', errorType: 'unsupported_image_format', reason: /GIF/, parameters: base64(dataUrl('image/jpeg', NOT_ACCEPTED.gif)), item: noBinary },
	{ name: 'base64: plain base64 of a WebP', errorType: 'unsupported_image_format', reason: /WebP/, parameters: base64(NOT_ACCEPTED.webp.toString('base64')), item: noBinary },
	// Binary property
	{ name: 'binary: property missing', errorType: 'missing_image', reason: /no binary property "data"/, hint: /"photo"/, item: withBinary(JPEG, 'photo') },
	{ name: 'binary: no binary at all', errorType: 'missing_image', reason: /no binary property "data"/, hint: /no binary data at all/, item: noBinary },
	{ name: 'binary: Input Binary Field empty', errorType: 'missing_image', reason: /Input Binary Field is empty/, parameters: { binaryPropertyName: '' } },
	{ name: 'binary: Input Binary Field blank', errorType: 'missing_image', reason: /Input Binary Field is empty/, parameters: { binaryPropertyName: '   ' } },
	// Parameters set by expressions, past the UI's limits
	{ name: 'threshold 2', errorType: 'invalid_parameter', reason: /Similarity Threshold/, parameters: options({ similarityThreshold: 2 }) },
	{ name: 'threshold -1', errorType: 'invalid_parameter', reason: /Similarity Threshold/, parameters: options({ similarityThreshold: -1 }) },
	{ name: "threshold 'abc'", errorType: 'invalid_parameter', reason: /Similarity Threshold.*"abc"/, parameters: options({ similarityThreshold: 'abc' }) },
	{ name: 'threshold NaN', errorType: 'invalid_parameter', reason: /Similarity Threshold/, parameters: options({ similarityThreshold: NaN }) },
	{ name: 'timeout 0', errorType: 'invalid_parameter', reason: /Timeout/, parameters: options({ timeout: 0 }) },
	{ name: 'maxRetries 99', errorType: 'invalid_parameter', reason: /Max Retries/, parameters: options({ maxRetries: 99 }) },
	{ name: 'maxImageSizeKb 0', errorType: 'invalid_parameter', reason: /Max Image Size/, parameters: options({ maxImageSizeKb: 0 }) },
	{ name: "nikValidation 'lenient'", errorType: 'invalid_parameter', reason: /NIK Validation.*"lenient"/, parameters: options({ nikValidation: 'lenient' }) },
];

const DEFAULT_PARAMETERS: Record<string, unknown> = {
	identityId: MATCH_NIK,
	imageSource: 'binary',
	binaryPropertyName: 'data',
	base64Image: '',
	routeByResult: false,
	options: {},
};

const parametersOf = (row: BadInput) => ({ ...DEFAULT_PARAMETERS, ...row.parameters });

/**
 * Runs rows as one execution, item i from row i. Every parameter is given as an expression
 * (a function of the item index), as it would be when mapped from the incoming data.
 */
async function runCorpus(rows: BadInput[], extra: Record<string, unknown> = {}) {
	const store = new BinaryStore();
	const items = rows.map((row) => (row.item ?? withBinary(JPEG))(store));
	const parameters: Record<string, unknown> = {};
	for (const name of Object.keys(DEFAULT_PARAMETERS)) {
		parameters[name] = (itemIndex: number) => parametersOf(rows[itemIndex])[name];
	}
	const result = await runNode(
		{
			items,
			parameters: { ...parameters, ...extra },
			continueOnFail: true,
			respond: sandboxResponder,
		},
		store,
	);
	if (!result.ok) throw result.error;
	return result as Extract<RunResult, { ok: true }>;
}

function expectLocalError(item: INodeExecutionData, row: BadInput, itemIndex: number) {
	const { json } = item;
	expect(json.errorType).toBe(row.errorType);
	expect(json.attempts).toBe(0);
	expect(json.charged).toBe(false);
	expect(typeof json.error).toBe('string');
	expect(json.error as string).toMatch(new RegExp(`^\\[item ${itemIndex}\\] \\S`));
	if (row.reason) expect(json.error).toMatch(row.reason);
	expect(typeof json.description).toBe('string');
	expect((json.description as string).trim().length).toBeGreaterThan(10);
	if (row.hint) expect(json.description).toMatch(row.hint);
	expect(item.pairedItem).toEqual({ item: itemIndex });
	// "Continue (using error output)" needs the error on the item itself.
	expect(item.error).toBeInstanceOf(NodeOperationError);
	// Success fields never appear on an error item.
	expect(json.result).toBeUndefined();
}

describe('bad input corpus', () => {
	it('has at least 30 entries with distinct names', () => {
		expect(corpus.length).toBeGreaterThanOrEqual(30);
		expect(new Set(corpus.map((row) => row.name)).size).toBe(corpus.length);
	});

	it.each(corpus.map((row) => [row.name, row] as const))(
		'%s: local error, no request',
		async (_name, row) => {
			const result = await runCorpus([row]);
			expect(result.requests).toHaveLength(0);
			expect(result.outputs).toHaveLength(1);
			expect(result.outputs[0]).toHaveLength(1);
			expectLocalError(result.outputs[0][0], row, 0);
		},
	);

	it('the whole corpus in one execution: N items in, N error items out, in order, no request', async () => {
		const result = await runCorpus(corpus);
		expect(result.requests).toHaveLength(0);
		expect(result.outputs).toHaveLength(1);
		const [output] = result.outputs;
		expect(output).toHaveLength(corpus.length);
		output.forEach((item, itemIndex) => expectLocalError(item, corpus[itemIndex], itemIndex));
	});

	// Asserts the correct behaviour; fails today (see the report). SVG_PREAMBLE in image.ts lets a
	// comment run on to a later "-->", so an HTML page (a download that fetched an error page)
	// whose inline SVG icon follows a comment is taken for an SVG image and sent to Kredibel.
	it('an HTML page with an inline SVG after a comment is not an SVG image', async () => {
		const html = Buffer.from(
			'<!-- served by proxy -->\n<!DOCTYPE html>\n<html><body><h1>502 Bad Gateway</h1><!-- logo --><svg width="10" height="10"></svg></body></html>\n',
		);
		const row: BadInput = {
			name: 'HTML error page with a comment before an inline SVG',
			errorType: 'unsupported_image_format',
			item: withBinary(html, 'data', 'image/jpeg'),
		};
		const result = await runCorpus([row]);
		expect(result.requests).toHaveLength(0);
		expectLocalError(result.outputs[0][0], row, 0);
	});

	it('the corpus around one good item: only the good item is sent, and it matches', async () => {
		const good: BadInput = { name: 'good', errorType: '' };
		const rows = [...corpus.slice(0, 20), good, ...corpus.slice(20)];
		const result = await runCorpus(rows);
		expect(result.requests).toHaveLength(1);
		expect(result.requests[0].body.identityId).toBe(MATCH_NIK);
		const [output] = result.outputs;
		expect(output).toHaveLength(rows.length);
		expect(output[20].json).toMatchObject({ result: 'match', identityId: MATCH_NIK });
		expect(output[20].pairedItem).toEqual({ item: 20 });
		output.forEach((item, itemIndex) => {
			if (itemIndex !== 20) expectLocalError(item, rows[itemIndex], itemIndex);
		});
	});
});
