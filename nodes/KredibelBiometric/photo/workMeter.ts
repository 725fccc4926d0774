/**
 * Why this file exists: DESIGN.md promises that any photo, whatever its header claims, costs at
 * most 64 MB of extra memory and 2 s of CPU and never blocks the event loop for more than 50 ms.
 * A stopwatch cannot prove that in a test; counters can. The decoders request their buffers here
 * (a request that would pass the budget is refused as `too_large` before anything is allocated),
 * count their work here (about one unit per byte read, written or converted), and ask here when a
 * checkpoint is due. Tests read `allocated`, `work` and `longestStretch`; the bench times the same
 * inputs.
 */

import { type Checkpoint, PhotoError } from './picture';

/** Extra memory one photo may use while it is prepared (DESIGN.md "Photos"). */
export const PHOTO_MEMORY_BUDGET = 64 * 1024 * 1024;

/**
 * Work units between two checkpoints. The slowest loop per unit (unfiltering and converting a
 * 16-bit pixel byte) costs a few nanoseconds, so this is a few milliseconds of work.
 */
export const WORK_PER_CHECKPOINT = 1 << 20;

export class WorkMeter {
	/** Bytes of buffers requested so far; never decreases, so it bounds what is held at once. */
	allocated = 0;
	/** Work units done so far. */
	work = 0;
	/** The most work done between two checkpoints (or before the first, or after the last). */
	longestStretch = 0;
	private workAtLastCheckpoint = 0;

	constructor(readonly memoryBudget = PHOTO_MEMORY_BUDGET) {}

	/**
	 * Counts `bytes` of buffer for `purpose`, or refuses with PhotoError('too_large') when the
	 * photo would then hold more than the budget.
	 */
	reserve(bytes: number, purpose: string): void {
		if (this.allocated + bytes > this.memoryBudget) {
			throw new PhotoError(
				'too_large',
				`The photo needs more than ${mebibytes(this.memoryBudget)} MB of memory to decode (${purpose}: ${mebibytes(bytes)} MB)`,
			);
		}
		this.allocated += bytes;
	}

	/** A zero-filled byte buffer, counted against the budget. */
	bytes(length: number, purpose: string): Uint8Array {
		this.reserve(length, purpose);
		return new Uint8Array(length);
	}

	/** Records `units` of work. */
	add(units: number): void {
		this.work += units;
		const stretch = this.work - this.workAtLastCheckpoint;
		if (stretch > this.longestStretch) this.longestStretch = stretch;
	}

	/** Whether enough work was done since the last checkpoint that the next one is due. */
	get due(): boolean {
		return this.work - this.workAtLastCheckpoint >= WORK_PER_CHECKPOINT;
	}

	/** Calls `checkpoint` (when there is one) and starts counting a new stretch. */
	async checkpoint(checkpoint: Checkpoint | undefined): Promise<void> {
		this.workAtLastCheckpoint = this.work;
		if (checkpoint) await checkpoint();
	}

	/** Calls the checkpoint when one is due. */
	async checkpointIfDue(checkpoint: Checkpoint | undefined): Promise<void> {
		if (this.due) await this.checkpoint(checkpoint);
	}
}

function mebibytes(bytes: number): string {
	return (bytes / (1024 * 1024)).toFixed(0);
}
