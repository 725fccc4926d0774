/**
 * Never pay twice: one request per applicant per run, answers that may have cost money reused by
 * a later run of the same execution (Retry On Fail), free failures sent again, memory bounded.
 */
import type { Answer } from '../../nodes/KredibelBiometric/ledger';
import {
	applicantKey,
	ledgerMemory,
	MAX_REMEMBERED,
	REMEMBER_FOR_MS,
	VerificationLedger,
} from '../../nodes/KredibelBiometric/ledger';
import type { Failure } from '../../nodes/KredibelBiometric/failure';

const NIK = '1234567890123456';
const verdict: Answer = {
	result: {
		ok: true,
		data: {
			id: 'v',
			identityId: NIK,
			isValid: true,
			isActive: true,
			face: true,
			faceSimilarity: 0.9,
			message: null,
		},
	},
	attempts: 1,
};
const failure = (charged: Failure['charged']): Answer => ({
	result: {
		ok: false,
		failure: {
			errorType: charged === false ? 'server_error' : 'timeout',
			reason: 'r',
			hint: 'h',
			charged,
			fromApi: true,
			retryable: charged === false,
		},
	},
	attempts: 1,
});

/** A call that counts how often it was made. */
function counted(answer: Answer) {
	const call = jest.fn(async () => answer);
	return call;
}

beforeEach(() => ledgerMemory.clear());

describe('applicantKey', () => {
	it('is the NIK and a digest of the exact bytes, not the bytes', () => {
		const image = Buffer.alloc(100_000, 1);
		const key = applicantKey(NIK, image);
		expect(key.startsWith(`${NIK}:`)).toBe(true);
		expect(key.length).toBeLessThan(80);
		expect(applicantKey(NIK, Buffer.from(image))).toBe(key);
		const changed = Buffer.from(image);
		changed[99_999] = 2;
		expect(applicantKey(NIK, changed)).not.toBe(key);
	});
});

describe('VerificationLedger', () => {
	it('shares one request between items of one run for the same applicant', async () => {
		const ledger = new VerificationLedger('exec-1');
		const call = jest.fn(async () => {
			await new Promise((resolve) => setTimeout(resolve, 10));
			return verdict;
		});
		const answers = await Promise.all([1, 2, 3].map(() => ledger.obtain('a', call)));
		expect(call).toHaveBeenCalledTimes(1);
		expect(answers.map((answer) => answer.reused === true)).toEqual([false, true, true]);
	});

	it.each([
		['a verdict', verdict],
		['a charged failure', failure(true)],
		['a failure that may have been charged', failure('unknown')],
	])('reuses %s in a later run of the same execution', async (_name, answer) => {
		const first = counted(answer);
		await new VerificationLedger('exec-1').obtain('a', first);
		const second = counted(answer);
		const again = await new VerificationLedger('exec-1').obtain('a', second);
		expect(first).toHaveBeenCalledTimes(1);
		expect(second).not.toHaveBeenCalled();
		expect(again).toMatchObject({ reused: true, result: answer.result });
	});

	it('sends a free failure again in a later run', async () => {
		await new VerificationLedger('exec-1').obtain('a', counted(failure(false)));
		const second = counted(verdict);
		await new VerificationLedger('exec-1').obtain('a', second);
		expect(second).toHaveBeenCalledTimes(1);
	});

	it('keeps executions, and runs without an execution id, apart', async () => {
		await new VerificationLedger('exec-1').obtain('a', counted(verdict));
		const other = counted(verdict);
		await new VerificationLedger('exec-2').obtain('a', other);
		const noId = counted(verdict);
		await new VerificationLedger(undefined).obtain('a', noId);
		await new VerificationLedger(undefined).obtain('a', noId);
		expect(other).toHaveBeenCalledTimes(1);
		expect(noId).toHaveBeenCalledTimes(2);
		expect(ledgerMemory.size()).toBe(2);
	});

	it('forgets answers older than REMEMBER_FOR_MS', async () => {
		let now = 1_000;
		await new VerificationLedger('e', () => now).obtain('a', counted(verdict));
		now += REMEMBER_FOR_MS;
		const later = counted(verdict);
		await new VerificationLedger('e', () => now).obtain('a', later);
		expect(later).toHaveBeenCalledTimes(1);
	});

	it('holds at most MAX_REMEMBERED answers, dropping the oldest', async () => {
		const ledger = new VerificationLedger('e');
		for (let i = 0; i <= MAX_REMEMBERED; i++) await ledger.obtain(`k${i}`, async () => verdict);
		expect(ledgerMemory.size()).toBe(MAX_REMEMBERED);
		const oldest = counted(verdict);
		await new VerificationLedger('e').obtain('k0', oldest);
		expect(oldest).toHaveBeenCalledTimes(1);
	});

	it('does not keep a huge raw answer across runs, but keeps the verdict', async () => {
		const huge = { ...verdict, raw: { blob: 'x'.repeat(200_000) } };
		await new VerificationLedger('e').obtain('a', async () => huge);
		const again = await new VerificationLedger('e').obtain('a', counted(verdict));
		expect(again.raw).toBeUndefined();
		expect(again.result).toEqual(verdict.result);
	});
});
