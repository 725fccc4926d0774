/**
 * Answers that may have cost money, kept in this n8n process so that nobody pays twice: within
 * an execution (Retry On Fail and loops run the node again with every item) for as long as that
 * execution keeps running, and across executions (a webhook delivered twice, a retried
 * execution) for the item's Reuse Window.
 *
 * Bounded by what is remembered, never by how many executions ran: an execution that remembers
 * nothing leaves nothing here (anyone who can start executions could otherwise grow the process
 * for free), and an execution's share goes with its last answer. Bounded and fair: at most
 * MAX_ENTRIES answers and MAX_BYTES of them once executions have gone quiet, room taken only from
 * executions that have gone quiet, so one busy run cannot evict the answers another run still
 * needs. A running execution keeps its own answers (it needs them for its next try), up to
 * MAX_PER_EXECUTION; above HARD_MAX_ENTRIES or HARD_MAX_BYTES, whatever runs, the least recently
 * active execution's oldest answers go too, so the process never holds more. No image bytes are
 * kept, and a raw answer only when the item that paid for it asked for one.
 */
import type { Answer } from '../kredibel';

export const MAX_ENTRIES = 10_000;
export const MAX_BYTES = 32 * 1024 * 1024;
export const MAX_PER_EXECUTION = 100_000;
/** The ceiling for running executions too: a few very large runs at once, not more. */
export const HARD_MAX_ENTRIES = 2 * MAX_PER_EXECUTION;
export const HARD_MAX_BYTES = 128 * 1024 * 1024;
/** An execution that touched its answers within this time counts as still running. */
export const ACTIVE_MS = 15 * 60_000;
/** A raw answer larger than this is not kept (the verdict still is). */
export const MAX_KEPT_RAW_CHARS = 64 * 1024;
/** What an entry costs besides its answer: the key (about 110 characters), maps, the entry. */
const ENTRY_OVERHEAD_BYTES = 400;

interface Entry {
	key: string;
	executionId: string;
	answer: Answer;
	at: number;
	bytes: number;
}

/** The caps; the defaults above, smaller ones in tests. */
export interface MemoryLimits {
	maxEntries: number;
	maxBytes: number;
	maxPerExecution: number;
	hardMaxEntries: number;
	hardMaxBytes: number;
}

const DEFAULT_LIMITS: MemoryLimits = {
	maxEntries: MAX_ENTRIES,
	maxBytes: MAX_BYTES,
	maxPerExecution: MAX_PER_EXECUTION,
	hardMaxEntries: HARD_MAX_ENTRIES,
	hardMaxBytes: HARD_MAX_BYTES,
};

interface ExecutionShare {
	lastActive: number;
	/** Insertion order is age order. */
	entries: Map<string, Entry>;
}

export class AnswerMemory {
	/** Least recently active first: an execution is moved to the end whenever it is touched. */
	private readonly executions = new Map<string, ExecutionShare>();
	/** The newest answer for each key, whichever execution paid for it. */
	private readonly latest = new Map<string, Entry>();
	private totalEntries = 0;
	private totalBytes = 0;

	constructor(
		private readonly now: () => number = Date.now,
		private readonly limits: MemoryLimits = DEFAULT_LIMITS,
	) {}

	/**
	 * The answer for `key` that `executionId` may use: its own, whatever its age, or another
	 * execution's younger than `reuseWindowMs` (0: none).
	 */
	find(key: string, executionId: string, reuseWindowMs: number): Answer | undefined {
		const own = this.executions.get(executionId)?.entries.get(key);
		if (own) return own.answer;
		const latest = this.latest.get(key);
		if (latest && this.now() - latest.at < reuseWindowMs) return latest.answer;
		return undefined;
	}

	remember(key: string, executionId: string, answer: Answer, keepRaw: boolean): void {
		const now = this.now();
		const kept = keptAnswer(answer, keepRaw);
		const entry: Entry = {
			key,
			executionId,
			answer: kept,
			at: now,
			bytes: estimateBytes(kept) + ENTRY_OVERHEAD_BYTES,
		};
		let share = this.touch(executionId, now);
		if (share === undefined) {
			share = { lastActive: now, entries: new Map() };
			this.executions.set(executionId, share);
		}
		const previous = share.entries.get(key);
		if (previous) this.drop(share, previous);
		share.entries.set(key, entry);
		this.latest.set(key, entry);
		this.totalEntries++;
		this.totalBytes += entry.bytes;
		if (share.entries.size > this.limits.maxPerExecution) {
			this.drop(share, share.entries.values().next().value as Entry);
		}
		this.evict(now);
	}

	/**
	 * Marks an execution as running, so its answers are not given away to make room. An execution
	 * that has remembered nothing is not recorded at all.
	 */
	touch(executionId: string, now = this.now()): ExecutionShare | undefined {
		const share = this.executions.get(executionId);
		if (share === undefined) return undefined;
		this.executions.delete(executionId);
		share.lastActive = now;
		this.executions.set(executionId, share);
		return share;
	}

	/**
	 * Oldest answers of the least recently active executions go first: only quiet ones while
	 * within the hard ceiling, any above it.
	 */
	private evict(now: number): void {
		const { maxEntries, maxBytes, hardMaxEntries, hardMaxBytes } = this.limits;
		while (this.totalEntries > maxEntries || this.totalBytes > maxBytes) {
			const first = this.executions.values().next();
			if (first.done) return;
			const share = first.value;
			// Executions are in order of activity: if the least recent one still runs, all do.
			const overCeiling = this.totalEntries > hardMaxEntries || this.totalBytes > hardMaxBytes;
			if (now - share.lastActive < ACTIVE_MS && !overCeiling) return;
			this.drop(share, share.entries.values().next().value as Entry);
		}
	}

	/** Forgets one answer; an execution's share goes with its last one. */
	private drop(share: ExecutionShare, entry: Entry): void {
		share.entries.delete(entry.key);
		if (share.entries.size === 0) this.executions.delete(entry.executionId);
		if (this.latest.get(entry.key) === entry) this.latest.delete(entry.key);
		this.totalEntries--;
		this.totalBytes -= entry.bytes;
	}

	stats(): { entries: number; bytes: number; executions: number; keys: number } {
		return {
			entries: this.totalEntries,
			bytes: this.totalBytes,
			executions: this.executions.size,
			keys: this.latest.size,
		};
	}

	clear(): void {
		this.executions.clear();
		this.latest.clear();
		this.totalEntries = 0;
		this.totalBytes = 0;
	}
}

function keptAnswer(answer: Answer, keepRaw: boolean): Answer {
	if (answer.raw === undefined) return answer;
	if (keepRaw && estimateBytes(answer.raw) <= MAX_KEPT_RAW_CHARS * 2) return answer;
	return { ...answer, raw: undefined };
}

/** Bytes a value holds, about: two a character of text, 16 for anything else. */
const BYTES_PER_VALUE = 16;

/**
 * What a JSON-like value holds in memory, estimated without recursion (a hostile answer can
 * nest deeper than the stack) and without walking past `MAX_BYTES`: anything larger counts as
 * MAX_BYTES + 1, more than the memory ever keeps of it.
 */
function estimateBytes(value: unknown): number {
	let bytes = BYTES_PER_VALUE;
	const pending: unknown[] = [value];
	while (pending.length > 0 && bytes <= MAX_BYTES) {
		const current = pending.pop();
		if (typeof current === 'string') bytes += current.length * 2;
		if (typeof current !== 'object' || current === null) continue;
		const inner: unknown[] = Array.isArray(current) ? current : Object.entries(current);
		for (const child of inner) {
			if (bytes > MAX_BYTES) break;
			bytes += BYTES_PER_VALUE;
			pending.push(child);
		}
	}
	return Math.min(bytes, MAX_BYTES + 1);
}

/** The process's memory, shared by every execution of every Kredibel node in it. */
export const answerMemory = new AnswerMemory();
