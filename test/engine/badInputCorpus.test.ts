/**
 * A corpus of bad inputs, run through the whole node inside n8n-core: every one must become an
 * error item that names the item and the fix, with the documented errorType, and none may reach
 * Kredibel (local checks are free; a request could be charged). Every parameter reaches the node
 * as an expression over the item, as when it is mapped from incoming data. With Route by Result
 * and "Continue (regular output)" every bad item leaves by No Verdict, never by Match.
 */
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { makeJpeg, makeLargeJpeg, makePng, NOT_ACCEPTED } from '../fixtures/images';
import { SANDBOX_NIKS } from '../sandbox/server';
import { useSandbox, verifyWith } from './harness/fixtures';
import { APPROVE_NODE, type EngineRun, type NodeSettings } from './harness/runWorkflow';
import type { InputItem } from './harness/testNodes';

const env = useSandbox();

/** Matches in the sandbox: if any bad input slipped through, it would come out as a success. */
const MATCH_NIK = SANDBOX_NIKS.match;
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

/** The row's input item, without its parameters (added as `json.row`). */
type ItemFactory = () => InputItem;

interface BadInput {
	name: string;
	errorType: string;
	/** What the error message must say, besides the "[item N]" prefix. */
	reason?: RegExp;
	/** What the fix hint must say, besides being non-empty. */
	hint?: RegExp;
	/** Node parameters, on top of a valid NIK and a binary JPEG in `data`. */
	parameters?: RowParameters;
	/** The input item; by default one with a valid JPEG in the binary property `data`. */
	item?: ItemFactory;
}

/** What a row sets; `options` holds the values of the node's Options collection. */
interface RowParameters {
	identityId?: unknown;
	imageSource?: string;
	binaryPropertyName?: string;
	base64Image?: unknown;
	options?: IDataObject;
}

const withBinary =
	(bytes: Buffer, property = 'data', mimeType = 'image/jpeg'): ItemFactory =>
	() => ({ json: { applicant: 'A-1' }, binary: { [property]: { bytes, mimeType } } });
const noBinary: ItemFactory = () => ({ json: { applicant: 'A-1' } });

const nik = (identityId: unknown, nikValidation = 'format'): RowParameters => ({
	identityId,
	options: { nikValidation },
});
const base64 = (base64Image: unknown): RowParameters => ({ imageSource: 'base64', base64Image });
const options = (values: IDataObject): RowParameters => ({ options: values });
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
	{ name: 'GIF', errorType: 'unsupported_image_format', reason: /GIF/, hint: /as JPEG or PNG/, item: withBinary(NOT_ACCEPTED.gif, 'data', 'image/gif') },
	{ name: 'WebP', errorType: 'unsupported_image_format', reason: /WebP/, item: withBinary(NOT_ACCEPTED.webp, 'data', 'image/webp') },
	{ name: 'HEIC', errorType: 'unsupported_image_format', reason: /HEIC/, item: withBinary(NOT_ACCEPTED.heic, 'data', 'image/heic') },
	{ name: 'PDF', errorType: 'unsupported_image_format', reason: /PDF/, item: withBinary(NOT_ACCEPTED.pdf, 'data', 'application/pdf') },
	{ name: 'BMP', errorType: 'unsupported_image_format', reason: /BMP/, item: withBinary(NOT_ACCEPTED.bmp, 'data', 'image/bmp') },
	{ name: 'TIFF', errorType: 'unsupported_image_format', reason: /TIFF/, item: withBinary(Buffer.concat([Buffer.from([0x49, 0x49, 0x2a, 0x00]), Buffer.alloc(64, 1)]), 'data', 'image/tiff') },
	{ name: 'ZIP', errorType: 'unsupported_image_format', reason: /ZIP/, item: withBinary(Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(64, 1)]), 'data', 'application/zip') },
	{ name: 'HTML with an inline SVG', errorType: 'unsupported_image_format', item: withBinary(Buffer.from('<!doctype html><html><body><svg></svg></body></html>'), 'data', 'text/html') },
	{ name: 'plain text named .jpg', errorType: 'unsupported_image_format', item: withBinary(NOT_ACCEPTED.text, 'data', 'image/jpeg') },
	{ name: 'JPEG above Max Image Size', errorType: 'image_too_large', reason: /above the 2\.0 KB limit/, hint: /Edit Image/, parameters: options({ maxImageSizeKb: 2, preparePhoto: false }), item: withBinary(makeLargeJpeg(3 * 1024)) },
	// Images from base64
	{ name: 'base64: empty', errorType: 'missing_image', parameters: base64(''), item: noBinary },
	{ name: 'base64: whitespace only', errorType: 'missing_image', parameters: base64(' \n\t\r\n '), item: noBinary },
	{ name: 'base64: not a string', errorType: 'missing_image', parameters: base64({ data: JPEG_BASE64 }), item: noBinary },
	{ name: 'base64: data: URL with no data', errorType: 'missing_image', parameters: base64('data:image/jpeg;base64,'), item: noBinary },
	{ name: 'base64: broken characters', errorType: 'invalid_base64_encoding', parameters: base64(`${JPEG_BASE64.slice(0, 40)}$%^&*${JPEG_BASE64.slice(40)}`), item: noBinary },
	{ name: 'base64: padding in the middle', errorType: 'invalid_base64_encoding', parameters: base64(`/9j/4A==${JPEG_BASE64.slice(8)}`), item: noBinary },
	{ name: 'base64: length 4n+1', errorType: 'invalid_base64_encoding', parameters: base64(BASE64_4N_PLUS_1), item: noBinary },
	{ name: 'base64: data: URL without ;base64', errorType: 'invalid_base64_encoding', reason: /;base64/, parameters: base64(`data:image/jpeg,${JPEG_BASE64}`), item: noBinary },
	{ name: 'base64: several MB of text', errorType: 'image_too_large', parameters: { ...base64(HUGE_NOT_BASE64), ...options({ preparePhoto: false }) }, item: noBinary },
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

const DEFAULT_PARAMETERS: Required<RowParameters> = {
	identityId: MATCH_NIK,
	imageSource: 'binary',
	binaryPropertyName: 'data',
	base64Image: '',
	options: {},
};

/** The option names any row sets: each is an expression over the item, like the parameters. */
const OPTION_NAMES = [
	...new Set(corpus.flatMap((row) => Object.keys(row.parameters?.options ?? {}))),
];

/**
 * The node's parameters: every one an expression reading the item's own row (`json.row`), so
 * each item of one execution gets its row's values, as with fields mapped from the input.
 */
const PARAMETERS_FROM_ROW: INodeParameters = {
	identityId: '={{ $json.row.identityId }}',
	imageSource: '={{ $json.row.imageSource }}',
	binaryPropertyName: '={{ $json.row.binaryPropertyName }}',
	base64Image: '={{ $json.row.base64Image }}',
	// With Image Source an expression, n8n shows (and requires) every source's field.
	imageUrl: '={{ $json.row.imageUrl }}',
	options: Object.fromEntries(
		OPTION_NAMES.map((name) => [name, `={{ $json.row.options.${name} }}`]),
	),
};

function inputItem(row: BadInput): InputItem {
	const item = (row.item ?? withBinary(JPEG))();
	const parameters = { ...DEFAULT_PARAMETERS, ...row.parameters } as IDataObject;
	return { ...item, json: { ...item.json, row: parameters } };
}

/** Runs the rows as one execution, item i from row i, against the sandbox. */
async function runCorpus(
	rows: BadInput[],
	settings: NodeSettings = { onError: 'continueErrorOutput' },
	routeByResult = false,
): Promise<EngineRun> {
	return await verifyWith(env.sandbox, {
		niks: [],
		items: rows.map(inputItem),
		parameters: { ...PARAMETERS_FROM_ROW, routeByResult },
		settings,
	});
}

/** The node's fields on a failed row's item, as it left the node. */
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
	// Success fields never appear on an error item.
	expect(json.result).toBeUndefined();
}

describe('bad input corpus', () => {
	it('has at least 30 entries with distinct names', () => {
		expect(corpus.length).toBeGreaterThanOrEqual(30);
		expect(new Set(corpus.map((row) => row.name)).size).toBe(corpus.length);
	});

	it.each(corpus.map((row) => [row.name, row] as const))(
		'%s: local error on the error output, no request',
		async (_name, row) => {
			const run = await runCorpus([row]);
			expect(env.biometricRequests()).toHaveLength(0);
			expect(run.output('Success')).toHaveLength(0);
			expect(run.output('Error')).toHaveLength(1);
			expectLocalError(run.output('Error')[0], row, 0);
		},
	);

	it('the whole corpus in one execution: N items in, N error items out, in order, no request', async () => {
		const run = await runCorpus(corpus);
		expect(env.biometricRequests()).toHaveLength(0);
		expect(run.output('Success')).toHaveLength(0);
		const output = run.output('Error');
		expect(output).toHaveLength(corpus.length);
		output.forEach((item, itemIndex) => expectLocalError(item, corpus[itemIndex], itemIndex));
	});

	it('an HTML page with an inline SVG after a comment is not an SVG image', async () => {
		const html = Buffer.from(
			'<!-- served by proxy -->\n<!DOCTYPE html>\n<html><body><h1>502 Bad Gateway</h1><!-- logo --><svg width="10" height="10"></svg></body></html>\n',
		);
		const row: BadInput = {
			name: 'HTML error page with a comment before an inline SVG',
			errorType: 'unsupported_image_format',
			item: withBinary(html, 'data', 'image/jpeg'),
		};
		const run = await runCorpus([row]);
		expect(env.biometricRequests()).toHaveLength(0);
		expectLocalError(run.output('Error')[0], row, 0);
	});

	it('the corpus around one good item: only the good item is sent, and it matches', async () => {
		const good: BadInput = { name: 'good', errorType: '' };
		const rows = [...corpus.slice(0, 20), good, ...corpus.slice(20)];
		const run = await runCorpus(rows);
		expect(env.biometricRequests().map((entry) => entry.identityId)).toEqual([MATCH_NIK]);
		const [success] = run.output('Success');
		expect(run.output('Success')).toHaveLength(1);
		expect(success.json).toMatchObject({ result: 'match', identityId: MATCH_NIK });
		expect(success.pairedItem).toEqual({ item: 20 });
		const failed = run.output('Error');
		expect(failed).toHaveLength(rows.length - 1);
		failed.forEach((item) => {
			const itemIndex = (item.pairedItem as { item: number }).item;
			expectLocalError(item, rows[itemIndex], itemIndex);
		});
	});
});

describe('bad input corpus with Route by Result and "Continue (regular output)"', () => {
	it('every bad item leaves by No Verdict, in order; the one good item alone leaves by Match', async () => {
		const good: BadInput = { name: 'good', errorType: '' };
		const rows = [...corpus.slice(0, 20), good, ...corpus.slice(20)];
		const run = await runCorpus(rows, { onError: 'continueRegularOutput' }, true);
		expect(run.outputNames).toEqual(['No Verdict', 'Match', 'No Match', 'Invalid Identity']);
		expect(env.biometricRequests().map((entry) => entry.identityId)).toEqual([MATCH_NIK]);
		const match = run.output('Match');
		expect(match.map((item) => [item.pairedItem, item.json.result])).toEqual([
			[{ item: 20 }, 'match'],
		]);
		expect(run.reached(APPROVE_NODE)).toHaveLength(1);
		expect(run.output('Invalid Identity')).toHaveLength(0);
		expect(run.output('No Match')).toHaveLength(0);
		const noMatch = run.output('No Verdict');
		expect(noMatch).toHaveLength(rows.length - 1);
		noMatch.forEach((item) => {
			const itemIndex = (item.pairedItem as { item: number }).item;
			expectLocalError(item, rows[itemIndex], itemIndex);
		});
		expect(noMatch.map((item) => (item.pairedItem as { item: number }).item)).toEqual(
			rows.map((_row, index) => index).filter((index) => index !== 20),
		);
	});

	it('with only bad items, nothing leaves by Match and Approve never runs', async () => {
		const run = await runCorpus(corpus, { onError: 'continueRegularOutput' }, true);
		expect(env.biometricRequests()).toHaveLength(0);
		expect(run.output('Match')).toHaveLength(0);
		expect(run.reached('Match')).toBeUndefined();
		expect(run.reached(APPROVE_NODE)).toBeUndefined();
		expect(run.output('No Verdict')).toHaveLength(corpus.length);
	});
});
