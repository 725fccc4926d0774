/**
 * The applicants this workflow's node has sent, recorded in n8n's own database-backed
 * deduplication store (the one n8n's Remove Duplicates node uses), so that another n8n process
 * (a queue-mode worker, an `n8n execute` run) does not send the same applicant again within the
 * Reuse Window. Only hashes are stored: n8n keeps an md5 of each value, and each value is
 * already a SHA-256 of the account, the NIK and the photo's digest.
 *
 * The store can only say "seen before or not", with no time, so the window is kept in the
 * values: time is cut into buckets of a quarter window, an applicant is recorded in the current
 * bucket, and found when recorded in the current one or the four before it. An answer is thus
 * reused for at least the window and at most 1.25 times it.
 *
 * The store is a convenience, never a condition: where n8n does not offer it (a context without
 * the helpers, see n8nCompat.ts; a process that did not initialise it; a database error) the
 * node goes on with its process memory alone, and no item fails because of it.
 */
import { createHash } from 'node:crypto';

import type { DeduplicationHelperFunctions } from 'n8n-workflow';

/** n8n keeps this many values per node, oldest out (Remove Duplicates' own default). */
const MAX_STORE_ENTRIES = 10_000;
const BUCKETS_PER_WINDOW = 4;
const OPTIONS = { mode: 'entries', maxEntries: MAX_STORE_ENTRIES } as const;

type Claim =
	/** Recorded now: nobody sent it within the window. `release` forgets it again (a free failure). */
	| { kind: 'new'; release: () => Promise<void> }
	/** Another execution recorded it within the window. */
	| { kind: 'seen' }
	/** No store here (or it failed): the caller relies on its process memory. */
	| { kind: 'unavailable' };

/** n8n's two helpers, or undefined where the context has no store (n8nCompat.ts). */
type StoreHelpers = Pick<
	DeduplicationHelperFunctions,
	'checkProcessedAndRecord' | 'removeProcessed'
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

	/** Records `key` as sent, unless another execution did so within `windowMs`. */
	async claim(key: string, windowMs: number): Promise<Claim> {
		const helpers = this.helpers;
		if (!helpers || windowMs <= 0) return { kind: 'unavailable' };
		const values = bucketValues(key, windowMs, this.now());
		try {
			const checked = await oneAtATime(
				async () => await helpers.checkProcessedAndRecord(values, 'node', OPTIONS),
			);
			const seen = new Set(checked.processed.map(String));
			const recordedNow = values.filter((value) => !seen.has(value));
			if (seen.size > 0) {
				await this.remove(recordedNow);
				return { kind: 'seen' };
			}
			// Only the current bucket stays recorded: the older ones were asked about, not sent.
			await this.remove(values.slice(1));
			return { kind: 'new', release: async () => await this.remove(values.slice(0, 1)) };
		} catch {
			return { kind: 'unavailable' };
		}
	}

	/** Forgets `key` in the current bucket: a free failure of a request sent despite a record. */
	async forget(key: string, windowMs: number): Promise<void> {
		if (!this.helpers || windowMs <= 0) return;
		await this.remove(bucketValues(key, windowMs, this.now()).slice(0, 1));
	}

	private async remove(values: string[]): Promise<void> {
		const helpers = this.helpers;
		if (values.length === 0 || !helpers) return;
		try {
			await oneAtATime(async () => await helpers.removeProcessed(values, 'node', OPTIONS));
		} catch {
			// A value left behind only makes a later execution answer duplicate_request, for free.
		}
	}
}

/** The current bucket's value first, then the four before it. */
export function bucketValues(key: string, windowMs: number, now: number): string[] {
	const bucketMs = Math.max(1, Math.ceil(windowMs / BUCKETS_PER_WINDOW));
	const current = Math.floor(now / bucketMs);
	const digest = createHash('sha256').update(key).digest('hex');
	return Array.from(
		{ length: BUCKETS_PER_WINDOW + 1 },
		(_, back) => `kredibel:${digest}:${bucketMs}:${current - back}`,
	);
}
