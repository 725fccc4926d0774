/**
 * The applicants this workflow's node has sent, recorded in n8n's own database-backed
 * deduplication store (the one n8n's Remove Duplicates node uses), so that another n8n process
 * (a queue-mode worker, an `n8n execute` run) does not send the same applicant again within the
 * Reuse Window. Only hashes are stored: n8n keeps an md5 of each value, and each value is
 * already a SHA-256 of the account, the NIK and the photo's digest.
 *
 * The store can only say "seen before or not", with no time, and keeps only an md5 of each value,
 * so the time lives in the values, and it must not depend on the Reuse Window: processes (and
 * items) with different windows share one store, and a 12-hour run must find what a 24-hour run
 * recorded a minute earlier. So time is cut into buckets of fixed lengths, 15 minutes times a
 * power of 4 (15 min, 1 h, 4 h, 16 h, 64 h). An applicant is recorded in the current bucket of
 * every length (5 values). A run looks it up in the buckets of one length that cover its window:
 * the longest no longer than a quarter of the window, so at most 17 values, and a record is
 * found for at least the window and at most 1.25 times it (15 minutes more for windows under an
 * hour). Each item costs two calls to the store, whatever its window: one that checks and
 * records, one that removes the lookup values it recorded only by asking.
 *
 * The store is a convenience, never a condition: where n8n does not offer it (older versions,
 * a process that did not initialise it, a database error) the node goes on with its process
 * memory alone, and no item fails because of it.
 */
import { createHash } from 'node:crypto';

import type { DeduplicationHelperFunctions } from 'n8n-workflow';

/** n8n keeps this many values per node, oldest out: 4,000 applicants at 5 values each. */
export const MAX_STORE_ENTRIES = 20_000;
const OPTIONS = { mode: 'entries', maxEntries: MAX_STORE_ENTRIES } as const;

/** Bucket lengths: 15 minutes times 1, 4, 16, 64, 256 (64 hours covers the longest window, 720 h, in 13). */
const SHORTEST_BUCKET_MS = 15 * 60_000;
export const BUCKET_LENGTHS_MS = [1, 4, 16, 64, 256].map((factor) => factor * SHORTEST_BUCKET_MS);
/** A window is looked up in buckets at most this fraction of it long: found up to 1.25 times the window. */
const BUCKETS_PER_WINDOW = 4;

export type Claim =
	/** Recorded now: nobody sent it within the window. `release` forgets it again (a free failure). */
	| { kind: 'new'; release: () => Promise<void> }
	/** Another execution recorded it within the window. */
	| { kind: 'seen' }
	/** No store here (or it failed): the caller relies on its process memory. */
	| { kind: 'unavailable' };

type StoreHelpers = Partial<
	Pick<DeduplicationHelperFunctions, 'checkProcessedAndRecord' | 'removeProcessed'>
>;

/**
 * n8n's store reads, changes and writes one list per node without a lock: two calls at once in
 * one process could each write back a list without the other's value. Calls are made one at a
 * time here; across processes the window stays open (see CONTRIBUTING.md).
 */
let queue: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
	const next = queue.then(work, work);
	queue = next.catch(() => undefined);
	return next;
}

export class ProcessedStore {
	constructor(
		private readonly helpers: StoreHelpers | undefined,
		private readonly now: () => number = Date.now,
	) {}

	get available(): boolean {
		return (
			typeof this.helpers?.checkProcessedAndRecord === 'function' &&
			typeof this.helpers?.removeProcessed === 'function'
		);
	}

	/** Records `key` as sent, unless another execution did so within `windowMs`. */
	async claim(key: string, windowMs: number): Promise<Claim> {
		const helpers = this.helpers;
		if (!this.available || !helpers || windowMs <= 0) return { kind: 'unavailable' };
		const now = this.now();
		const record = recordValues(key, now);
		const lookup = lookupValues(key, windowMs, now);
		const asked = [...new Set([...record, ...lookup])];
		try {
			const checked = await oneAtATime(
				async () => await helpers.checkProcessedAndRecord!(asked, 'node', OPTIONS),
			);
			const seen = new Set(checked.processed.map(String));
			const recordedNow = asked.filter((value) => !seen.has(value));
			if (lookup.some((value) => seen.has(value))) {
				await this.remove(recordedNow);
				return { kind: 'seen' };
			}
			// The lookup values were asked about, not sent: only the record values stay recorded.
			const recordSet = new Set(record);
			await this.remove(recordedNow.filter((value) => !recordSet.has(value)));
			// A value already there belongs to an older record of the same applicant (a longer
			// bucket): a release must not take it away from that record.
			const ownRecord = recordedNow.filter((value) => recordSet.has(value));
			return { kind: 'new', release: async () => await this.remove(ownRecord) };
		} catch {
			return { kind: 'unavailable' };
		}
	}

	/**
	 * Records `key` as sent now, whatever is there: a request sent despite a record (one this
	 * execution released itself) that may have cost money.
	 */
	async record(key: string): Promise<void> {
		const helpers = this.helpers;
		if (!this.available || !helpers) return;
		try {
			await oneAtATime(
				async () =>
					await helpers.checkProcessedAndRecord!(recordValues(key, this.now()), 'node', OPTIONS),
			);
		} catch {
			// Not recorded: another process may send it again, as where there is no store at all.
		}
	}

	/** Forgets `key` in the current buckets: a free failure of a request sent despite a record. */
	async forget(key: string, windowMs: number): Promise<void> {
		if (!this.available || windowMs <= 0) return;
		await this.remove(recordValues(key, this.now()));
	}

	private async remove(values: string[]): Promise<void> {
		const helpers = this.helpers;
		if (values.length === 0 || !helpers?.removeProcessed) return;
		try {
			await oneAtATime(async () => await helpers.removeProcessed!(values, 'node', OPTIONS));
		} catch {
			// A value left behind only makes a later execution answer duplicate_request, for free.
		}
	}
}

function valueOf(digest: string, level: number, bucket: number): string {
	return `kredibel:${digest}:${level}:${bucket}`;
}

function digestOf(key: string): string {
	return createHash('sha256').update(key).digest('hex');
}

/** What records `key` as sent at `now`: its current bucket of every length. */
export function recordValues(key: string, now: number): string[] {
	const digest = digestOf(key);
	return BUCKET_LENGTHS_MS.map((length, level) => valueOf(digest, level, Math.floor(now / length)));
}

/**
 * What finds a record of `key` younger than `windowMs`: the buckets of the longest length no
 * longer than a quarter of the window (the shortest for windows under an hour) from the current
 * one back to the one holding `now - windowMs`, newest first.
 */
export function lookupValues(key: string, windowMs: number, now: number): string[] {
	let level = 0;
	while (
		level + 1 < BUCKET_LENGTHS_MS.length &&
		BUCKET_LENGTHS_MS[level + 1] * BUCKETS_PER_WINDOW <= windowMs
	) {
		level++;
	}
	const length = BUCKET_LENGTHS_MS[level];
	const digest = digestOf(key);
	const values: string[] = [];
	for (
		let bucket = Math.floor(now / length);
		bucket >= Math.floor((now - windowMs) / length);
		bucket--
	) {
		values.push(valueOf(digest, level, bucket));
	}
	return values;
}
