/**
 * Never pay twice: one request per applicant per run; answers that may have cost money reused by
 * later runs of the same execution (Retry On Fail) and, within the Reuse Window, by other
 * executions, in this process (memory) and in others (n8n's deduplication store); free failures
 * sent again; memory bounded, and one busy execution cannot take another's answers.
 */
import type { Answer } from '../../nodes/KredibelBiometric/kredibel/answer';
import {
	ACTIVE_MS,
	AnswerMemory,
	HARD_MAX_BYTES,
	HARD_MAX_ENTRIES,
	MAX_BYTES,
	MAX_ENTRIES,
	MAX_KEPT_RAW_CHARS,
	MAX_PER_EXECUTION,
} from '../../nodes/KredibelBiometric/reuse/answerMemory';
import type { Failure } from '../../nodes/KredibelBiometric/common/failure';
import {
	accountKey,
	applicantKey,
	imageDigest,
	ledgerFootprint,
	VerificationLedger,
	type Obtained,
} from '../../nodes/KredibelBiometric/reuse/ledger';
import {
	BUCKET_LENGTHS_MS,
	lookupValues,
	MAX_STORE_ENTRIES,
	ProcessedStore,
	recordValues,
} from '../../nodes/KredibelBiometric/reuse/processedStore';
import { DeduplicationStoreDouble as StoreDouble } from '../helpers/deduplicationStore';

const NIK = '1234567890123456';
const HOUR = 3_600_000;
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
	raw: { message: 'ok', data: { id: 'v' } },
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

/** A clock the test moves. */
function clock(start = 1_800_000_000_000) {
	let now = start;
	return { now: () => now, advance: (ms: number) => (now += ms) };
}

const ACCOUNT = accountKey('key-a', 'https://api.example');
const key = applicantKey(NIK, imageDigest(Buffer.from('selfie')));
const window24h = { reuseWindowMs: 24 * HOUR, keepRaw: false };

function answerOf(obtained: Obtained): Answer {
	if (obtained.kind !== 'answer') throw new Error(`expected an answer, got ${obtained.kind}`);
	return obtained.answer;
}

describe('applicantKey and accountKey', () => {
	it('keys the applicant by NIK and a digest of the exact bytes, not the bytes', () => {
		const image = Buffer.alloc(100_000, 1);
		const applicant = applicantKey(NIK, imageDigest(image));
		expect(applicant.startsWith(`${NIK}:`)).toBe(true);
		expect(applicant.length).toBeLessThan(80);
		expect(applicantKey(NIK, imageDigest(Buffer.from(image)))).toBe(applicant);
		image[99_999] = 2;
		expect(applicantKey(NIK, imageDigest(image))).not.toBe(applicant);
	});

	it('keys the account by a digest of the API key and API root: keys and environments never share', () => {
		const account = accountKey('secret-key-123', 'https://api.example');
		expect(account).not.toContain('secret-key-123');
		expect(accountKey('secret-key-124', 'https://api.example')).not.toBe(account);
		expect(accountKey('secret-key-123', 'https://sandbox.example')).not.toBe(account);
		expect(accountKey('secret-key-123', 'https://api.example')).toBe(account);
	});
});

describe('VerificationLedger in one process', () => {
	it('sends one request for items of one run with the same applicant; the others are reused', async () => {
		const memory = new AnswerMemory();
		const ledger = new VerificationLedger('e1', ACCOUNT, new ProcessedStore(undefined), memory);
		const call = jest.fn(async () => verdict);
		const results = await Promise.all(
			[1, 2, 3].map(async () => await ledger.obtain(key, window24h, call)),
		);
		expect(call).toHaveBeenCalledTimes(1);
		expect(results.map((r) => (r.kind === 'answer' ? r.reused : r.kind))).toEqual([
			false,
			true,
			true,
		]);
	});

	it('reuses, in a later run of the same execution, answers that may have cost money, and sends free failures again', async () => {
		const memory = new AnswerMemory();
		const store = new ProcessedStore(undefined);
		for (const [answer, sentAgain] of [
			[verdict, false],
			[failure(true), false],
			[failure('unknown'), false],
			[failure(false), true],
		] as const) {
			memory.clear();
			const first = jest.fn(async () => answer);
			await new VerificationLedger('e1', ACCOUNT, store, memory).obtain(key, window24h, first);
			const retry = jest.fn(async () => verdict);
			const again = await new VerificationLedger('e1', ACCOUNT, store, memory).obtain(
				key,
				{ reuseWindowMs: 0, keepRaw: false },
				retry,
			);
			expect(retry).toHaveBeenCalledTimes(sentAgain ? 1 : 0);
			expect(again.kind === 'answer' && again.reused).toBe(!sentAgain);
		}
	});

	it('reuses another execution answer within the window, and not with window 0 or after it', async () => {
		const time = clock();
		const memory = new AnswerMemory(time.now);
		const store = new ProcessedStore(undefined);
		await new VerificationLedger('e1', ACCOUNT, store, memory).obtain(
			key,
			window24h,
			async () => verdict,
		);

		const later = jest.fn(async () => verdict);
		time.advance(23 * HOUR);
		expect(
			(await new VerificationLedger('e2', ACCOUNT, store, memory).obtain(key, window24h, later))
				.kind,
		).toBe('answer');
		expect(later).toHaveBeenCalledTimes(0);
		await new VerificationLedger('e3', ACCOUNT, store, memory).obtain(
			key,
			{ reuseWindowMs: 0, keepRaw: false },
			later,
		);
		expect(later).toHaveBeenCalledTimes(1);
		time.advance(25 * HOUR);
		await new VerificationLedger('e4', ACCOUNT, store, memory).obtain(key, window24h, later);
		// e3's answer is 25 h old too: both are outside the window now.
		expect(later).toHaveBeenCalledTimes(2);
	});

	it('shares one request between two executions in flight at once, unless the window is 0', async () => {
		const memory = new AnswerMemory();
		const store = new ProcessedStore(undefined);
		let release: () => void = () => {};
		const slow = jest.fn(
			async () =>
				await new Promise<Answer>((resolve) => {
					release = () => resolve(verdict);
				}),
		);
		const first = new VerificationLedger('e1', ACCOUNT, store, memory).obtain(key, window24h, slow);
		await Promise.resolve();
		const second = new VerificationLedger('e2', ACCOUNT, store, memory).obtain(
			key,
			window24h,
			slow,
		);
		const own = jest.fn(async () => verdict);
		const third = new VerificationLedger('e3', ACCOUNT, store, memory).obtain(
			key,
			{ reuseWindowMs: 0, keepRaw: false },
			own,
		);
		release();
		const results = await Promise.all([first, second, third]);
		expect(slow).toHaveBeenCalledTimes(1);
		expect(own).toHaveBeenCalledTimes(1);
		expect(results.map((r) => r.kind === 'answer' && r.reused)).toEqual([false, true, false]);
	});

	it('never shares between accounts', async () => {
		const memory = new AnswerMemory();
		const store = new ProcessedStore(undefined);
		const call = jest.fn(async () => verdict);
		await new VerificationLedger('e1', ACCOUNT, store, memory).obtain(key, window24h, call);
		await new VerificationLedger(
			'e2',
			accountKey('key-b', 'https://api.example'),
			store,
			memory,
		).obtain(key, window24h, call);
		expect(call).toHaveBeenCalledTimes(2);
	});

	it('keeps the raw answer only when the paying item asked for it, and never a huge one', async () => {
		const memory = new AnswerMemory();
		const store = new ProcessedStore(undefined);
		const later = async () => verdict;
		await new VerificationLedger('e1', ACCOUNT, store, memory).obtain(key, window24h, later);
		expect(memory.find(`${ACCOUNT}\u0000${key}`, 'e1', 0)?.raw).toBeUndefined();
		const key2 = applicantKey(NIK, imageDigest(Buffer.from('other')));
		await new VerificationLedger('e1', ACCOUNT, store, memory).obtain(
			key2,
			{ ...window24h, keepRaw: true },
			later,
		);
		expect(memory.find(`${ACCOUNT}\u0000${key2}`, 'e1', 0)?.raw).toEqual(verdict.raw);
		const huge: Answer = { ...verdict, raw: { blob: 'x'.repeat(MAX_KEPT_RAW_CHARS + 1) } };
		const key3 = applicantKey(NIK, imageDigest(Buffer.from('third')));
		const shared = await new VerificationLedger('e1', ACCOUNT, store, memory).obtain(
			key3,
			{ ...window24h, keepRaw: true },
			async () => huge,
		);
		// The run that paid still sees it; the memory does not keep it.
		expect(answerOf(shared).raw).toBe(huge.raw);
		expect(memory.find(`${ACCOUNT}\u0000${key3}`, 'e1', 0)?.raw).toBeUndefined();
	});
});

describe('AnswerMemory bounds', () => {
	it('keeps every answer of a running execution larger than the cap (Retry On Fail reuses them all)', () => {
		const memory = new AnswerMemory();
		for (let i = 0; i < MAX_ENTRIES + 2; i++) memory.remember(`k${i}`, 'big', verdict, false);
		for (let i = 0; i < MAX_ENTRIES + 2; i++) expect(memory.find(`k${i}`, 'big', 0)).toBeDefined();
	});

	it('takes room from quiet executions only, oldest first, never from one that still runs', () => {
		const time = clock();
		const memory = new AnswerMemory(time.now);
		for (let i = 0; i < MAX_ENTRIES; i++) memory.remember(`old${i}`, 'quiet', verdict, false);
		memory.remember('running0', 'running', verdict, false);
		time.advance(ACTIVE_MS + 1);
		memory.touch('running');
		for (let i = 1; i <= 10; i++) memory.remember(`running${i}`, 'running', verdict, false);
		expect(memory.stats().entries).toBe(MAX_ENTRIES);
		// The quiet execution lost its 11 oldest answers; the running one lost none.
		expect(memory.find('old10', 'other', 48 * HOUR)).toBeUndefined();
		expect(memory.find('old11', 'other', 48 * HOUR)).toBeDefined();
		for (let i = 0; i <= 10; i++) expect(memory.find(`running${i}`, 'running', 0)).toBeDefined();
	});

	it('bounds bytes: large answers of quiet executions go first', () => {
		const time = clock();
		const memory = new AnswerMemory(time.now);
		const large: Answer = { ...verdict, raw: { blob: 'x'.repeat(60_000) } };
		for (let i = 0; i < 400; i++) memory.remember(`k${i}`, `e${i}`, large, true);
		time.advance(ACTIVE_MS + 1);
		memory.remember('last', 'now', verdict, false);
		expect(memory.stats().bytes).toBeLessThanOrEqual(32 * 1024 * 1024);
		expect(memory.stats().entries).toBeLessThan(400);
		expect(memory.find('last', 'now', 0)).toBeDefined();
	});
});

/** A run in another n8n process: its own memory, the shared database's store. */
function inNewProcess(
	executionId: string,
	database: ConstructorParameters<typeof ProcessedStore>[0],
) {
	return new VerificationLedger(
		executionId,
		ACCOUNT,
		new ProcessedStore(database),
		new AnswerMemory(),
	);
}

describe('across processes, through the deduplication store', () => {
	it('a second process does not send an applicant the first one sent: duplicate, free', async () => {
		const database = new StoreDouble();
		const call = jest.fn(async () => verdict);
		const first = await inNewProcess('p1-e1', database).obtain(key, window24h, call);
		const second = await inNewProcess('p2-e1', database).obtain(key, window24h, call);
		expect(call).toHaveBeenCalledTimes(1);
		expect(first.kind).toBe('answer');
		expect(second).toEqual({ kind: 'duplicate', windowMs: 24 * HOUR });
		// Only the current buckets' values stay recorded, one per bucket length, as md5 digests of
		// values that are themselves digests.
		expect(database.size).toBe(BUCKET_LENGTHS_MS.length);
		for (const value of recordValues(`${ACCOUNT}\u0000${key}`, Date.now())) {
			expect(value).not.toContain(NIK);
			expect(database.has(value)).toBe(true);
		}
	});

	it('forgets a free failure at once, so another process may send it again', async () => {
		const database = new StoreDouble();
		await inNewProcess('p1', database).obtain(key, window24h, async () => failure(false));
		expect(database.size).toBe(0);
		const call = jest.fn(async () => verdict);
		await inNewProcess('p2', database).obtain(key, window24h, call);
		expect(call).toHaveBeenCalledTimes(1);
	});

	it("a released record put back by another process's lost update does not block the same execution's retry; another execution sees a duplicate", async () => {
		const database = new StoreDouble();
		const memory = new AnswerMemory();
		const store = new ProcessedStore(database);
		await new VerificationLedger('e1', ACCOUNT, store, memory).obtain(key, window24h, async () =>
			failure(false),
		);
		expect(database.size).toBe(0);
		// Another worker read the list before the release and wrote it back after it.
		database.add(recordValues(`${ACCOUNT}\u0000${key}`, Date.now())[2]);
		const retry = jest.fn(async () => verdict);
		const again = await new VerificationLedger('e1', ACCOUNT, store, memory).obtain(
			key,
			window24h,
			retry,
		);
		expect(retry).toHaveBeenCalledTimes(1);
		expect(answerOf(again).result.ok).toBe(true);
		// The retry paid: it is recorded again in every bucket length, for any window to find.
		for (const value of recordValues(`${ACCOUNT}\u0000${key}`, Date.now())) {
			expect(database.has(value)).toBe(true);
		}
		// Another process (its own memory) now finds the record: a duplicate, free.
		expect((await inNewProcess('p2', database).obtain(key, window24h, retry)).kind).toBe(
			'duplicate',
		);
	});

	it('does not consult the store with window 0, and sends when the store fails or is missing', async () => {
		const database = new StoreDouble();
		database.add(recordValues(`${ACCOUNT}\u0000${key}`, Date.now())[2]);
		const call = jest.fn(async () => verdict);
		await inNewProcess('p1', database).obtain(key, { reuseWindowMs: 0, keepRaw: false }, call);
		expect(database.calls).toBe(0);
		database.failing = true;
		await inNewProcess('p2', database).obtain(key, window24h, call);
		await inNewProcess('p3', undefined).obtain(key, window24h, call);
		expect(call).toHaveBeenCalledTimes(3);
	});

	it('finds a record for at least the window and at most 1.25 times it (15 minutes more under an hour)', async () => {
		for (const windowMs of [0.25 * HOUR, HOUR, 8 * HOUR, 24 * HOUR, 63 * HOUR, 720 * HOUR]) {
			const slack = Math.max(windowMs / 4, BUCKET_LENGTHS_MS[0]);
			for (const [age, found] of [
				[0, true],
				[windowMs - 1, true],
				[windowMs + slack, false],
				[windowMs * 3, false],
			] as const) {
				for (const offset of [0, 0.37, 0.999]) {
					const database = new StoreDouble();
					// Anywhere in a bucket: the window must hold whatever the time of the first record.
					const time = clock(1_800_000_000_000 + Math.floor(offset * BUCKET_LENGTHS_MS[4]));
					await new ProcessedStore(database, time.now).claim('applicant', windowMs);
					time.advance(age);
					const claim = await new ProcessedStore(database, time.now).claim('applicant', windowMs);
					expect([windowMs / HOUR, age, claim.kind]).toEqual([
						windowMs / HOUR,
						age,
						found ? 'seen' : 'new',
					]);
				}
			}
		}
	});
});

describe("a record in n8n's store is found by any Reuse Window (issue 27, point 6)", () => {
	it('two windows over one store: what a 24-hour process recorded a minute ago, a 12-hour one finds, and the other way round', async () => {
		for (const [recorder, finder] of [
			[24, 12],
			[12, 24],
			[1, 720],
			[720, 0.5],
		]) {
			const database = new StoreDouble();
			const time = clock();
			const call = jest.fn(async () => verdict);
			const processOne = new VerificationLedger(
				'p1-e1',
				ACCOUNT,
				new ProcessedStore(database, time.now),
				new AnswerMemory(time.now),
			);
			await processOne.obtain(key, { reuseWindowMs: recorder * HOUR, keepRaw: false }, call);
			time.advance(60_000);
			const processTwo = new VerificationLedger(
				'p2-e1',
				ACCOUNT,
				new ProcessedStore(database, time.now),
				new AnswerMemory(time.now),
			);
			const second = await processTwo.obtain(
				key,
				{ reuseWindowMs: finder * HOUR, keepRaw: false },
				call,
			);
			expect([recorder, finder, second.kind]).toEqual([recorder, finder, 'duplicate']);
			expect(call).toHaveBeenCalledTimes(1);
		}
	});

	it('each window finds a record exactly when it is young enough for it (any age, any window)', async () => {
		const windows = [0.5, 1, 6, 12, 24, 48, 168, 720].map((hours) => hours * HOUR);
		const ages = [
			1,
			10 * 60_000,
			0.9 * HOUR,
			5 * HOUR,
			11 * HOUR,
			23 * HOUR,
			47 * HOUR,
			200 * HOUR,
		];
		const database = new StoreDouble();
		const time = clock(1_800_000_000_000 + 7 * 60_000);
		const recordedAt = time.now();
		await new ProcessedStore(database, time.now).claim('applicant', 24 * HOUR);
		for (const age of ages) {
			time.advance(recordedAt + age - time.now());
			for (const windowMs of windows) {
				const store = new ProcessedStore(database, time.now);
				const claim = await store.claim('applicant', windowMs);
				const slack = Math.max(windowMs / 4, BUCKET_LENGTHS_MS[0]);
				if (age < windowMs) expect([age, windowMs, claim.kind]).toEqual([age, windowMs, 'seen']);
				if (age >= windowMs + slack) {
					expect([age, windowMs, claim.kind]).toEqual([age, windowMs, 'new']);
				}
				// A claim that recorded anew is released again, so the next window sees only the first record.
				if (claim.kind === 'new') await claim.release();
			}
		}
	});

	it('at most two calls to the store per item, with at most 22 values each, whatever the window and time; 5 values stay', async () => {
		const windows = [0.1, 0.5, 1, 3.9, 4, 15.9, 16, 63.9, 64, 255, 720];
		// Times anywhere in the longest bucket, so that windows start at every kind of boundary.
		const times = [0, 0.01, 0.26, 0.5, 0.74, 0.999].map(
			(part) => 1_800_000_000_000 + Math.floor(part * BUCKET_LENGTHS_MS[4]),
		);
		for (const hours of windows) {
			for (const at of times) {
				const database = new StoreDouble();
				const ledger = new VerificationLedger(
					'p1',
					ACCOUNT,
					new ProcessedStore(database, () => at),
					new AnswerMemory(),
				);
				await ledger.obtain(
					key,
					{ reuseWindowMs: hours * HOUR, keepRaw: false },
					async () => verdict,
				);
				expect([hours, at, database.calls <= 2]).toEqual([hours, at, true]);
				expect(Math.max(...database.valuesPerCall)).toBeLessThanOrEqual(22);
				expect(database.size).toBe(BUCKET_LENGTHS_MS.length);
				expect(lookupValues('k', hours * HOUR, at).length).toBeLessThanOrEqual(17);
			}
		}
	});

	it('a full store keeps its newest 3,997 applicants: asking pushes out at most a few of the oldest', async () => {
		const database = new StoreDouble();
		const perApplicant = BUCKET_LENGTHS_MS.length;
		const applicants = MAX_STORE_ENTRIES / perApplicant + 50;
		const store = new ProcessedStore(database);
		for (let i = 0; i < applicants; i++) await store.claim(`applicant ${i}`, 720 * HOUR);
		expect(database.size).toBeLessThanOrEqual(MAX_STORE_ENTRIES);
		// The last MAX_STORE_ENTRIES / 5 - 3 applicants are all still found.
		for (let i = applicants - (MAX_STORE_ENTRIES / perApplicant - 3); i < applicants; i += 97) {
			expect((await new ProcessedStore(database).claim(`applicant ${i}`, 720 * HOUR)).kind).toBe(
				'seen',
			);
		}
	});
});

describe('process memory is bounded by what is remembered, not by how many executions ran (issue 27, point 2)', () => {
	const EXECUTIONS = 100_000;

	/** What the reuse room keeps between executions, sampled as they run. */
	function footprint(memory: AnswerMemory) {
		return { ...memory.stats(), ...ledgerFootprint() };
	}

	it('100,000 executions that remember nothing (free failures, no store) leave nothing: the size stays flat', async () => {
		const memory = new AnswerMemory();
		const store = new ProcessedStore(undefined);
		// What earlier tests left in the ledger's module-level maps stays; nothing may be added.
		const before = footprint(memory);
		const samples: Array<ReturnType<typeof footprint>> = [];
		for (let i = 0; i < EXECUTIONS; i++) {
			const ledger = new VerificationLedger(`execution ${i}`, ACCOUNT, store, memory);
			await ledger.obtain(
				applicantKey(NIK, imageDigest(Buffer.from(`selfie ${i}`))),
				window24h,
				async () => failure(false),
			);
			if (i % 20_000 === 0 || i === EXECUTIONS - 1) samples.push(footprint(memory));
		}
		expect(before).toMatchObject({ entries: 0, bytes: 0, executions: 0, keys: 0, inFlight: 0 });
		expect(samples).toEqual(samples.map(() => before));
	});

	it('100,000 executions that each remember a paid answer and go quiet: entries, bytes and executions stay within the caps', () => {
		const time = clock();
		const memory = new AnswerMemory(time.now);
		const large: Answer = { ...verdict, raw: { note: 'x'.repeat(2_000) } };
		let highest = { entries: 0, bytes: 0, executions: 0, keys: 0 };
		for (let i = 0; i < EXECUTIONS; i++) {
			memory.remember(`applicant ${i}`, `execution ${i}`, i % 2 ? large : verdict, true);
			time.advance(ACTIVE_MS + 1);
			const stats = memory.stats();
			highest = {
				entries: Math.max(highest.entries, stats.entries),
				bytes: Math.max(highest.bytes, stats.bytes),
				executions: Math.max(highest.executions, stats.executions),
				keys: Math.max(highest.keys, stats.keys),
			};
		}
		expect(highest.entries).toBeLessThanOrEqual(MAX_ENTRIES);
		expect(highest.executions).toBeLessThanOrEqual(MAX_ENTRIES);
		expect(highest.keys).toBeLessThanOrEqual(MAX_ENTRIES);
		expect(highest.bytes).toBeLessThanOrEqual(MAX_BYTES + 64 * 1024);
		// The newest answers are the ones kept.
		expect(memory.find(`applicant ${EXECUTIONS - 1}`, 'someone else', 48 * HOUR)).toBeDefined();
		expect(memory.find('applicant 0', 'someone else', 48 * HOUR * 10_000)).toBeUndefined();
	});

	it('executions that all still run cannot grow it past the hard ceiling: the least recently active gives way', () => {
		// The caps scaled down 1,000 times, so the test stays short.
		const limits = {
			maxEntries: MAX_ENTRIES / 1000,
			maxBytes: MAX_BYTES / 1000,
			maxPerExecution: MAX_PER_EXECUTION / 1000,
			hardMaxEntries: HARD_MAX_ENTRIES / 1000,
			hardMaxBytes: HARD_MAX_BYTES / 1000,
		};
		const memory = new AnswerMemory(Date.now, limits);
		let highest = { entries: 0, bytes: 0 };
		const runs = 30;
		for (let run = 0; run < runs; run++) {
			for (let i = 0; i < limits.maxPerExecution; i++) {
				memory.remember(`applicant ${run}-${i}`, `running ${run}`, verdict, false);
				const { entries, bytes } = memory.stats();
				highest = {
					entries: Math.max(highest.entries, entries),
					bytes: Math.max(highest.bytes, bytes),
				};
			}
		}
		expect(highest.entries).toBeLessThanOrEqual(limits.hardMaxEntries);
		expect(highest.bytes).toBeLessThanOrEqual(limits.hardMaxBytes);
		expect(memory.stats().entries).toBeGreaterThan(limits.maxEntries);
		// The most recent run keeps every answer it needs for its next try.
		for (let i = 0; i < limits.maxPerExecution; i++) {
			expect(memory.find(`applicant ${runs - 1}-${i}`, `running ${runs - 1}`, 0)).toBeDefined();
		}
	});

	it('with the store in use, released applicants are kept 15 minutes at most and 10,000 at most', async () => {
		const database = new StoreDouble();
		const memory = new AnswerMemory();
		for (let i = 0; i < 12_000; i++) {
			const ledger = new VerificationLedger(`e${i}`, ACCOUNT, new ProcessedStore(database), memory);
			await ledger.obtain(
				applicantKey(NIK, imageDigest(Buffer.from(`s${i}`))),
				window24h,
				async () => failure(false),
			);
		}
		expect(ledgerFootprint().released).toBeLessThanOrEqual(10_000);
		expect(memory.stats().executions).toBe(0);
		expect(database.size).toBe(0);
	});

	it('an execution id of any length costs a bounded key', async () => {
		const memory = new AnswerMemory();
		const longId = `1234\u0000${'node name '.repeat(10_000)}`;
		await new VerificationLedger(longId, ACCOUNT, new ProcessedStore(undefined), memory).obtain(
			key,
			window24h,
			async () => verdict,
		);
		expect(memory.stats().bytes).toBeLessThan(2_000);
		// The same execution still finds its own answer (Retry On Fail).
		const again = await new VerificationLedger(
			longId,
			ACCOUNT,
			new ProcessedStore(undefined),
			memory,
		).obtain(key, { reuseWindowMs: 0, keepRaw: false }, async () => failure(false));
		expect(again.kind === 'answer' && again.reused).toBe(true);
	});
});
