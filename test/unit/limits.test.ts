/**
 * Size and length limits apply before any decoding or pattern work: a huge field is refused at
 * the cost of reading its length. Judged against a 1 MB decode timed in the same test, never
 * against a fixed number of milliseconds.
 */
import { decodeBase64Image } from '../../nodes/KredibelBiometric/image/imageBytes';
import { validateNik } from '../../nodes/KredibelBiometric/nik';
import { quoteValue } from '../../nodes/KredibelBiometric/common/quote';

const LIMIT_BYTES = 1024 * 1024;

/** Median time of a few runs, in nanoseconds. */
async function medianTime(work: () => unknown): Promise<number> {
	const times: number[] = [];
	for (let run = 0; run < 5; run++) {
		const started = process.hrtime.bigint();
		await work();
		times.push(Number(process.hrtime.bigint() - started));
	}
	return times.sort((a, b) => a - b)[2];
}

describe('huge values are refused before the work', () => {
	const oneMegabyte = Buffer.alloc(LIMIT_BYTES - 1024, 7);
	oneMegabyte[0] = 0xff;
	const oneMegabyteBase64 = oneMegabyte.toString('base64');
	const fiftyMegabytes = 'A'.repeat(50 * 1024 * 1024);

	it('a 50 MB base64 field costs less than decoding 1 MB', async () => {
		const decodeOneMegabyte = await medianTime(() =>
			decodeBase64Image(oneMegabyteBase64, LIMIT_BYTES),
		);
		const refuseFifty = await medianTime(() => decodeBase64Image(fiftyMegabytes, LIMIT_BYTES));
		expect(await decodeBase64Image(fiftyMegabytes, LIMIT_BYTES)).toMatchObject({
			ok: false,
			problem: { errorType: 'image_too_large' },
		});
		expect(refuseFifty).toBeLessThan(decodeOneMegabyte);
	});

	it('a 50 MB NIK costs less than decoding 1 MB', async () => {
		const decodeOneMegabyte = await medianTime(() =>
			decodeBase64Image(oneMegabyteBase64, LIMIT_BYTES),
		);
		const refuseFifty = await medianTime(() => validateNik(fiftyMegabytes, 'strict'));
		const check = validateNik(fiftyMegabytes, 'format');
		expect(check.ok).toBe(false);
		if (!check.ok)
			expect(check.reason).toBe(
				`The NIK field holds ${fiftyMegabytes.length} characters; a NIK has 16 digits`,
			);
		expect(refuseFifty).toBeLessThan(decodeOneMegabyte);
	});

	it('5 M semicolons in a data: URL header are refused without a stack overflow', async () => {
		const hostile = `data:image/png${';'.repeat(5_000_000)},AAAA`;
		expect(await decodeBase64Image(hostile)).toMatchObject({
			ok: false,
			problem: { errorType: 'invalid_base64_encoding' },
		});
	});

	it('a long data: URL MIME type is cut in the message', async () => {
		const decoded = await decodeBase64Image(`data:image/${'x'.repeat(200)};base64,AAAA`);
		expect(decoded.ok).toBe(false);
		if (!decoded.ok) expect(decoded.problem.reason.length).toBeLessThan(120);
	});

	it('a NIK given as an object is refused without copying it', async () => {
		const selfie = 'B'.repeat(1_000_000);
		const check = validateNik({ nik: '1234567890123456', selfie }, 'format');
		expect(check).toEqual({
			ok: false,
			reason: 'The NIK is an object, not text',
			hint: expect.any(String),
		});
	});
});

describe('quoteValue', () => {
	it.each([
		['a long text', 'x'.repeat(1000), `"${'x'.repeat(40)}…"`],
		['a number', 12.5, '12.5'],
		['an object', { a: 1 }, 'a value of type object'],
		['a list', [1, 2], 'a list of 2 values'],
		['nothing', undefined, 'nothing'],
		['null', null, 'null'],
	])('quotes %s briefly', (_name, value, expected) => {
		expect(quoteValue(value)).toBe(expected);
	});

	it('survives values that cannot be turned into text', async () => {
		const circular: Record<string, unknown> = {};
		circular.self = circular;
		expect(quoteValue(circular)).toBe('a value of type object');
		expect(quoteValue(Symbol('s'))).toBe('a value of type symbol');
	});
});
