/**
 * Answers that may have cost money, kept in this n8n process so that nobody pays twice: within
 * an execution (Retry On Fail and loops run the node again with every item) for as long as that
 * execution keeps running, and across executions (a webhook delivered twice, a retried
 * execution) for the item's Reuse Window.
 *
 * Bounded and fair: at most MAX_ENTRIES answers and MAX_BYTES of them once executions have gone
 * quiet, and room is only ever taken from executions that have gone quiet, so one busy run cannot
 * evict the answers another run still needs. A running execution keeps its own answers (it needs
 * them for its next try), up to MAX_PER_EXECUTION. No image bytes are kept, and a raw answer only
 * when the item that paid for it asked for one.
 */
import type { Answer } from '../kredibel';

export const MAX_ENTRIES = 10_000;
export const MAX_BYTES = 32 * 1024 * 1024;
export const MAX_PER_EXECUTION = 100_000;
/** An execution that touched its answers within this time counts as still running. */
export const ACTIVE_MS = 15 * 60_000;
/** A raw answer larger than this is not kept (the verdict still is). */
export const MAX_KEPT_RAW_CHARS = 64 * 1024;

interface Entry {
	key: string;
	executionId: string;
	answer: Answer;
	at: number;
	bytes: number;
}

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

	constructor(private readonly now: () => number = Date.now) {}

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
		const entry: Entry = { key, executionId, answer: kept, at: now, bytes: sizeOf(kept) };
		const share = this.touch(executionId, now);
		const previous = share.entries.get(key);
		if (previous) this.drop(share, previous);
		share.entries.set(key, entry);
		this.latest.set(key, entry);
		this.totalEntries++;
		this.totalBytes += entry.bytes;
		if (share.entries.size > MAX_PER_EXECUTION) {
			this.drop(share, share.entries.values().next().value as Entry);
		}
		this.evictQuiet(now);
	}

	/** Marks an execution as running, so its answers are not given away to make room. */
	touch(executionId: string, now = this.now()): ExecutionShare {
		let share = this.executions.get(executionId);
		if (share) this.executions.delete(executionId);
		else share = { lastActive: now, entries: new Map() };
		share.lastActive = now;
		this.executions.set(executionId, share);
		return share;
	}

	/** Oldest answers of the least recently active quiet executions go first. */
	private evictQuiet(now: number): void {
		while (this.totalEntries > MAX_ENTRIES || this.totalBytes > MAX_BYTES) {
			const first = this.executions.entries().next();
			if (first.done) return;
			const [executionId, share] = first.value;
			// Executions are in order of activity: if the least recent one still runs, all do.
			if (now - share.lastActive < ACTIVE_MS) return;
			const oldest = share.entries.values().next();
			if (oldest.done) {
				this.executions.delete(executionId);
				continue;
			}
			this.drop(share, oldest.value);
		}
	}

	private drop(share: ExecutionShare, entry: Entry): void {
		share.entries.delete(entry.key);
		if (this.latest.get(entry.key) === entry) this.latest.delete(entry.key);
		this.totalEntries--;
		this.totalBytes -= entry.bytes;
	}

	stats(): { entries: number; bytes: number; executions: number } {
		return { entries: this.totalEntries, bytes: this.totalBytes, executions: this.executions.size };
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
	if (keepRaw && JSON.stringify(answer.raw).length <= MAX_KEPT_RAW_CHARS) return answer;
	return { ...answer, raw: undefined };
}

/** A fair estimate of what the entry holds: its JSON, two bytes a character, plus bookkeeping. */
function sizeOf(answer: Answer): number {
	return JSON.stringify(answer).length * 2 + 200;
}

/** The process's memory, shared by every execution of every Kredibel node in it. */
export const answerMemory = new AnswerMemory();
