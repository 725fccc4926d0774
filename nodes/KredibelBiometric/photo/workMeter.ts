/**
 * Why this file exists: DESIGN.md promises that any photo, whatever its header claims, costs at
 * most 64 MB of extra memory and 2 s of CPU and never blocks the event loop for more than 50 ms.
 * A stopwatch cannot prove that in a test; counters can. The decoders request their buffers here
 * (a request that would pass the budget is refused as `too_large` before anything is allocated),
 * count their work here (about one unit per byte read, written or converted; a photo that needs
 * more than PHOTO_WORK_LIMIT is refused as `too_large` when it gets there), and ask here when a
 * checkpoint is due. Tests read `allocated`, `work` and `longestStretch`; the bench times the same
 * inputs. The same file meets the same limit at the same point on any machine.
 */

import { type Checkpoint, PhotoError } from './picture';

/** Extra memory one photo may use while it is prepared (DESIGN.md "Photos"). */
export const PHOTO_MEMORY_BUDGET = 64 * 1024 * 1024;

/**
 * Work units between two checkpoints. A unit is about a nanosecond of CPU (one byte inflated and
 * summed, unfiltered or converted; heavier steps count several), so this is about a millisecond.
 */
export const WORK_PER_CHECKPOINT = 1 << 20;

/**
 * The most work one photo's decode may take: about 1.5 s of CPU at the rates the bench measures
 * on the shared 2-core machine, leaving the rest of the 2 s for turning and encoding. A photo
 * that needs more (millions of DEFLATE block headers, say) is refused when it gets there.
 */
export const PHOTO_WORK_LIMIT = 1_500_000_000;

export class WorkMeter {
	/** Bytes of buffers requested so far; never decreases, so it bounds what is held at once. */
	allocated = 0;
	/** Work units done so far. */
	work = 0;
	/** The most work done between two checkpoints (or before the first, or after the last). */
	longestStretch = 0;
	private workAtLastCheckpoint = 0;

	constructor(
		readonly memoryBudget = PHOTO_MEMORY_BUDGET,
		readonly workLimit = PHOTO_WORK_LIMIT,
	) {}

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

	/** Records `units` of work, or refuses with PhotoError('too_large') past the work limit. */
	add(units: number): void {
		this.work += units;
		const stretch = this.work - this.workAtLastCheckpoint;
		if (stretch > this.longestStretch) this.longestStretch = stretch;
		if (this.work > this.workLimit) {
			throw new PhotoError(
				'too_large',
				'The photo needs more work to decode than the node allows for one photo (its data is unusually long or repetitive for its size)',
			);
		}
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
