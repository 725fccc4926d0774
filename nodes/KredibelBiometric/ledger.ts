/**
 * Never pay twice for one applicant in one execution. Two mechanisms share one key (the NIK and
 * a SHA-256 of the image bytes):
 * - within one run of the node, items for the same applicant share one request (`dedupe`);
 * - across runs of the node in the same execution (n8n's Retry On Fail calls `execute()` again
 *   with every item), answers that may have cost money are remembered and reused, so only free,
 *   retryable failures are sent again.
 *
 * The memory is this process's alone (in queue mode the re-run happens on the same worker), holds
 * no image bytes, and is bounded: at most MAX_REMEMBERED answers, each for at most
 * REMEMBER_FOR_MS; the oldest go first.
 */
import { createHash } from 'node:crypto';

import type { IDataObject } from 'n8n-workflow';

import type { BiometricData } from './apiResponse';
import type { Failure } from './failure';

/** What one call to Kredibel (with the node's own retries) came to. */
export interface Answer {
	result: { ok: true; data: BiometricData } | { ok: false; failure: Failure };
	attempts: number;
	/** Kredibel's JSON, as received, for Include Raw Response. */
	raw?: IDataObject;
	/** True when this item got the answer of an earlier request instead of its own. */
	reused?: boolean;
}

export const MAX_REMEMBERED = 10_000;
export const REMEMBER_FOR_MS = 60 * 60_000;
/** A raw answer larger than this is not kept in memory across runs (the verdict still is). */
const MAX_REMEMBERED_RAW_CHARS = 64 * 1024;

interface Remembered {
	answer: Answer;
	at: number;
}

/** Insertion order is age order: the first entries are always the oldest. */
const remembered = new Map<string, Remembered>();

/** The applicant: the NIK and the exact image bytes, as a digest (the bytes are not kept). */
export function applicantKey(nik: string, image: Buffer): string {
	return `${nik}:${createHash('sha256').update(image).digest('base64')}`;
}

/** An answer that may have cost money must never be paid for again; a free one may be retried. */
function mayHaveCharged(answer: Answer): boolean {
	return answer.result.ok || answer.result.failure.charged !== false;
}

function forgetExpired(now: number): void {
	for (const [key, entry] of remembered) {
		if (now - entry.at < REMEMBER_FOR_MS && remembered.size <= MAX_REMEMBERED) return;
		remembered.delete(key);
	}
}

function withoutLargeRaw(answer: Answer): Answer {
	if (answer.raw === undefined) return answer;
	const size = JSON.stringify(answer.raw).length;
	return size <= MAX_REMEMBERED_RAW_CHARS ? answer : { ...answer, raw: undefined };
}

/**
 * One run of the node. `scope` names the execution and the node (undefined when n8n gives no
 * execution id: then only this run's items are shared).
 */
export class VerificationLedger {
	private readonly inFlight = new Map<string, Promise<Answer>>();

	constructor(
		private readonly scope: string | undefined,
		private readonly now: () => number = Date.now,
	) {}

	/**
	 * The answer for `key`: remembered from an earlier run, shared with an item of this run, or
	 * obtained by `call` (which never throws).
	 */
	async obtain(key: string, call: () => Promise<Answer>): Promise<Answer> {
		const memoryKey = this.scope === undefined ? undefined : `${this.scope}\u0000${key}`;
		if (memoryKey !== undefined) {
			const earlier = remembered.get(memoryKey);
			if (earlier && this.now() - earlier.at < REMEMBER_FOR_MS) {
				return { ...earlier.answer, reused: true };
			}
		}
		const pending = this.inFlight.get(key);
		if (pending) return { ...(await pending), reused: true };

		const call$ = call();
		this.inFlight.set(key, call$);
		const answer = await call$;
		if (memoryKey !== undefined && mayHaveCharged(answer)) {
			const now = this.now();
			remembered.delete(memoryKey);
			remembered.set(memoryKey, { answer: withoutLargeRaw(answer), at: now });
			forgetExpired(now);
		}
		return answer;
	}
}

/** For tests: how many answers are held, and a way to start from nothing. */
export const ledgerMemory = {
	size: () => remembered.size,
	clear: () => remembered.clear(),
};
