/**
 * Never pay twice for one applicant: the same Kredibel account, NIK and exact photo. Before a
 * request goes out, in this order:
 * - this execution's earlier answer (Retry On Fail and loops run the node again with every
 *   item), or another execution's younger than the item's Reuse Window, from process memory;
 * - a request for the same applicant already in flight, in this run or (within the window) in
 *   another execution of this process: it is shared, not repeated;
 * - n8n's deduplication store, which other processes write to: if one of them sent the
 *   applicant within the window, the item fails as `duplicate_request`, free, rather than pay.
 * Answers that may have cost money are remembered; a free failure is forgotten at once (and
 * released from the store), so it can be sent again.
 */
import { createHash } from 'node:crypto';

import { type Answer, mayHaveCharged } from '../kredibel';
import { answerMemory, type AnswerMemory } from './answerMemory';
import type { ProcessedStore } from './processedStore';

export type Obtained =
	| { kind: 'answer'; answer: Answer; reused: boolean }
	| { kind: 'duplicate'; windowMs: number };

type Sent = { kind: 'answer'; answer: Answer } | { kind: 'duplicate'; windowMs: number };
type Work = Promise<Sent>;

/** Requests in flight in this process, by account and applicant, with the execution that sent them. */
const inFlight = new Map<string, { executionId: string; work: Work }>();

/**
 * Applicants whose free failure this process released from n8n's store, by the execution that
 * sent them. n8n's store has no lock: a concurrent write by another process (another applicant,
 * another worker) can put a released record back. When the same execution then runs the node
 * again (Retry On Fail), a record it released itself does not make its applicant a duplicate.
 */
const releasedHere = new Map<string, { executionId: string; at: number }>();
const MAX_RELEASED = 10_000;
const RELEASED_FOR_MS = 15 * 60_000;

function releasedByExecution(key: string, executionId: string): boolean {
	const released = releasedHere.get(key);
	return (
		released !== undefined &&
		released.executionId === executionId &&
		Date.now() - released.at < RELEASED_FOR_MS
	);
}

/** Oldest first (a key marked again moves to the end): expired ones go before a new one is added. */
function markReleased(key: string, executionId: string): void {
	const now = Date.now();
	for (const [oldKey, released] of releasedHere) {
		if (now - released.at < RELEASED_FOR_MS && releasedHere.size < MAX_RELEASED) break;
		releasedHere.delete(oldKey);
	}
	releasedHere.delete(key);
	releasedHere.set(key, { executionId, at: now });
}

/** How much the ledger keeps between executions, for the tests of its bounds. */
export function ledgerFootprint(): { inFlight: number; released: number } {
	return { inFlight: inFlight.size, released: releasedHere.size };
}

/** Execution ids are n8n's number and the node's id; anything longer is kept as a digest. */
const MAX_EXECUTION_ID_LENGTH = 128;

function boundedExecutionId(executionId: string): string {
	return executionId.length <= MAX_EXECUTION_ID_LENGTH
		? executionId
		: createHash('sha256').update(executionId).digest('base64');
}

/** The exact image bytes sent, as a SHA-256 digest (the bytes themselves are not kept). */
export function imageDigest(image: Buffer): string {
	return createHash('sha256').update(image).digest('base64');
}

/** The applicant: the NIK and the digest of the exact image bytes (`imageDigest`). */
export function applicantKey(nik: string, digest: string): string {
	return `${nik}:${digest}`;
}

/**
 * The Kredibel account an answer belongs to: two credentials with different keys, or sandbox and
 * production, never share an answer. A digest, so the key itself is kept nowhere.
 */
export function accountKey(apiKey: unknown, baseUrl: string): string {
	const key = typeof apiKey === 'string' ? apiKey : '';
	return createHash('sha256').update(`${key}\u0000${baseUrl}`).digest('base64');
}

interface ObtainOptions {
	/** How long another execution's answer may be reused; 0: this execution's own only. */
	reuseWindowMs: number;
	/** Keep Kredibel's raw JSON with the remembered answer (Include Raw Response). */
	keepRaw: boolean;
}

/** One run of the node, for one account. */
export class VerificationLedger {
	private readonly executionId: string;

	constructor(
		executionId: string,
		private readonly account: string,
		private readonly store: ProcessedStore,
		private readonly memory: AnswerMemory = answerMemory,
	) {
		this.executionId = boundedExecutionId(executionId);
		// Marks the execution as running again (Retry On Fail); one that remembered nothing is not kept.
		memory.touch(this.executionId);
	}

	/** The answer for `applicant`, reused or obtained by `call` (which never throws). */
	async obtain(
		applicant: string,
		options: ObtainOptions,
		call: () => Promise<Answer>,
	): Promise<Obtained> {
		const key = `${this.account}\u0000${applicant}`;
		const windowMs = Math.max(0, options.reuseWindowMs);
		const known = this.memory.find(key, this.executionId, windowMs);
		if (known) return { kind: 'answer', answer: known, reused: true };
		const pending = inFlight.get(key);
		if (pending && (pending.executionId === this.executionId || windowMs > 0)) {
			const shared = await pending.work;
			return shared.kind === 'answer' ? { ...shared, reused: true } : shared;
		}

		// Registered before the first await, so every later item for this applicant shares it.
		const work: Work = this.send(key, windowMs, options.keepRaw, call);
		inFlight.set(key, { executionId: this.executionId, work });
		try {
			const obtained = await work;
			return obtained.kind === 'answer' ? { ...obtained, reused: false } : obtained;
		} finally {
			if (inFlight.get(key)?.work === work) inFlight.delete(key);
		}
	}

	private async send(
		key: string,
		windowMs: number,
		keepRaw: boolean,
		call: () => Promise<Answer>,
	): Work {
		const claim = await this.store.claim(key, windowMs);
		if (claim.kind === 'seen' && !releasedByExecution(key, this.executionId)) {
			return { kind: 'duplicate', windowMs };
		}
		const answer = await call();
		if (mayHaveCharged(answer)) {
			releasedHere.delete(key);
			this.memory.remember(key, this.executionId, answer, keepRaw);
			// Sent despite a record this execution had released: recorded again for other processes.
			if (claim.kind === 'seen') await this.store.record(key);
			return { kind: 'answer', answer };
		}
		if (claim.kind === 'unavailable') return { kind: 'answer', answer };
		if (claim.kind === 'new') await claim.release();
		else await this.store.forget(key, windowMs);
		markReleased(key, this.executionId);
		return { kind: 'answer', answer };
	}
}
