/**
 * Why this file exists: the PNG code (inflate, chunk walk, unfiltering, row downscaling) counts
 * its work finely, about one unit per byte read, written or converted (a nanosecond of CPU),
 * where the photo's PhotoBudget (budget.ts) counts in units of about a hundred nanoseconds. This
 * meter keeps the PNG side's own counts, which its tests and the inflate bench read, and passes
 * every buffer and every unit on to the photo's one PhotoBudget, so that a PNG meets the same
 * memory limit, work limit and checkpoint pacing as any other photo: a request that would pass
 * the budget is refused as `too_large` before anything is allocated, and a decode that needs more
 * work than the budget allows is refused when it gets there. The same file meets the same limit
 * at the same point on any machine.
 */

import { PhotoBudget, UNITS_PER_CHECKPOINT } from './budget';
import type { Checkpoint } from './picture';

/**
 * PNG work units per PhotoBudget unit: the budget's unit is calibrated at 10,000 per ms on the
 * shared machine under load (budget.ts WORK_LIMIT_UNITS), a PNG unit at about one per nanosecond
 * (inflate's 5 MB of empty fixed blocks: 0.67 ns per unit).
 */
export const PNG_UNITS_PER_BUDGET_UNIT = 100;

/** Work units between two checkpoints with the default budget: its pacing, in PNG units. */
export const WORK_PER_CHECKPOINT = UNITS_PER_CHECKPOINT * PNG_UNITS_PER_BUDGET_UNIT;

export class WorkMeter {
	/** Bytes of buffers requested so far; never decreases, so it bounds what is held at once. */
	allocated = 0;
	/** Work units done so far. */
	work = 0;
	/** The most work done between two checkpoints (or before the first, or after the last). */
	longestStretch = 0;
	private workAtLastCheckpoint = 0;

	/** `budget`: the photo's accounting (a fresh one with the default limits when not given). */
	constructor(readonly budget: PhotoBudget = new PhotoBudget()) {}

	/**
	 * Counts `bytes` of buffer for `purpose` on the budget, or refuses with
	 * PhotoError('too_large') when the photo would then hold more than it allows.
	 */
	reserve(bytes: number, purpose: string): void {
		this.budget.claim(bytes, purpose);
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
		this.budget.spend(units / PNG_UNITS_PER_BUDGET_UNIT);
	}

	/** Whether the budget's next checkpoint is due (its pacing counts all the photo's work). */
	get due(): boolean {
		return this.budget.checkpointDue;
	}

	/** Calls the budget's checkpoint, then `checkpoint` when given, and starts a new stretch. */
	async checkpoint(checkpoint: Checkpoint | undefined): Promise<void> {
		this.workAtLastCheckpoint = this.work;
		await this.budget.callCheckpoint();
		if (checkpoint) await checkpoint();
	}

	/** Calls the checkpoint when one is due. */
	async checkpointIfDue(checkpoint: Checkpoint | undefined): Promise<void> {
		if (this.due) await this.checkpoint(checkpoint);
	}
}
