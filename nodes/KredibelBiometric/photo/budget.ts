/**
 * Why this file exists: DESIGN.md "Photos" promises that any input, whatever it claims, costs at
 * most 2 s of CPU and 64 MB of extra memory and never blocks the event loop for more than 50 ms.
 * Timing cannot prove that in a test, and a file's header cannot be trusted to say what it will
 * cost, so the codec counts instead: every big allocation is claimed here first (the shape of
 * jpeg-js's `requestMemoryAllocation`), every unit of work is spent here, and the caller's
 * checkpoint is called whenever enough work has been done since the last call. Going over either
 * limit ends the photo as `too_large`, free, before the work or the allocation happens. The same
 * file always meets the same limit at the same point, on any machine, so refusals are repeatable.
 *
 * What a unit of work is: about 50 ns on the bench machine, whatever the work: one block visited
 * in a scan, one byte of entropy-coded data, a third of a full-size inverse DCT, 32 samples
 * converted, resized or turned. `bench/hostile.ts` measures the time per unit on the worst shapes.
 */

import { type Checkpoint, PhotoError } from './picture';

const MB = 1024 * 1024;

/**
 * What the codec's own large arrays (coefficients, planes, pictures, encoder buffers) may hold at
 * once. Below the promised 64 MB: the rest is left for what the accounting does not see (Huffman
 * tables, small objects, garbage V8 has not collected yet).
 */
export const MEMORY_LIMIT_BYTES = 48 * MB;

/**
 * Work one photo may take: about 1.8 s of CPU at the 10,000 units per ms the bench's hostile
 * section measured on the shared 2-core machine under load (faster when it is quiet). A 48 MP
 * progressive camera photo takes 13.4 million.
 */
export const WORK_LIMIT_UNITS = 18_000_000;

/** The checkpoint is called at least once per this many units (well under 50 ms of work). */
export const UNITS_PER_CHECKPOINT = 8192;

export interface BudgetLimits {
	memoryBytes: number;
	workUnits: number;
	/** Tests lower it to see the pacing on small files. */
	unitsPerCheckpoint: number;
}

export const DEFAULT_LIMITS: BudgetLimits = {
	memoryBytes: MEMORY_LIMIT_BYTES,
	workUnits: WORK_LIMIT_UNITS,
	unitsPerCheckpoint: UNITS_PER_CHECKPOINT,
};

/** Memory and work accounting for one photo, and the pacing of its checkpoints. */
export class PhotoBudget {
	/** Bytes claimed and not yet released, and the most at any moment. */
	memoryInUse = 0;
	memoryPeak = 0;
	/** Units spent so far. */
	workDone = 0;
	/** How often the checkpoint was called, and the most units spent between two calls. */
	checkpoints = 0;
	longestStretch = 0;
	/** The most units spent in one step (a row of blocks, a table...): the pacing's grain. */
	largestStep = 0;
	private sinceCheckpoint = 0;

	constructor(
		private readonly checkpoint?: Checkpoint,
		readonly limits: BudgetLimits = DEFAULT_LIMITS,
	) {}

	/** Whether `bytes` more could be claimed now (for choosing a cheaper plan before trying). */
	canClaim(bytes: number): boolean {
		return this.memoryInUse + bytes <= this.limits.memoryBytes;
	}

	/** Claims memory before it is allocated; refuses the photo when it would go over the limit. */
	claim(bytes: number, what: string): void {
		if (!this.canClaim(bytes)) {
			throw new PhotoError(
				'too_large',
				`The photo needs more memory than the node allows for one photo (${what}: ${megabytes(bytes)} MB more, ${megabytes(this.limits.memoryBytes)} MB at most)`,
			);
		}
		this.memoryInUse += bytes;
		this.memoryPeak = Math.max(this.memoryPeak, this.memoryInUse);
	}

	release(bytes: number): void {
		this.memoryInUse = Math.max(0, this.memoryInUse - bytes);
	}

	/** Counts work done synchronously; refuses the photo once it is over the limit. */
	spend(units: number): void {
		this.largestStep = Math.max(this.largestStep, units);
		this.workDone += units;
		this.sinceCheckpoint += units;
		if (this.workDone > this.limits.workUnits) {
			throw new PhotoError(
				'too_large',
				'The photo needs more work to decode than the node allows for one photo (its data is unusually long or repetitive for its size)',
			);
		}
	}

	/**
	 * Refuses up front work that cannot fit what is left of the limit (`units` being a lower
	 * bound of it, e.g. every byte of entropy-coded data read once), rather than after spending
	 * the budget on it.
	 */
	ensureAffordable(units: number, what: string): void {
		if (this.workDone + units <= this.limits.workUnits) return;
		throw new PhotoError(
			'too_large',
			`The photo needs more work to decode than the node allows for one photo (${what}); send a smaller photo`,
			{ limit: 'input' },
		);
	}

	/** Whether enough work was done since the last checkpoint call that the next one is due. */
	get checkpointDue(): boolean {
		return this.sinceCheckpoint >= this.limits.unitsPerCheckpoint;
	}

	/** Calls the checkpoint when enough work was done since the last call. */
	async pace(): Promise<void> {
		if (!this.checkpointDue) return;
		await this.callCheckpoint();
	}

	/** Spends and paces in one call: the usual end of a unit of work in an async loop. */
	async tick(units: number): Promise<void> {
		this.spend(units);
		if (this.sinceCheckpoint >= this.limits.unitsPerCheckpoint) await this.callCheckpoint();
	}

	/** Calls the checkpoint now (between stages, whatever was spent). */
	async callCheckpoint(): Promise<void> {
		this.longestStretch = Math.max(this.longestStretch, this.sinceCheckpoint);
		this.sinceCheckpoint = 0;
		this.checkpoints++;
		await this.checkpoint?.();
	}

	/**
	 * A checkpoint for a stage that calls it about `calls` times over `totalUnits` of work (a
	 * resize, a turn, an encode): each call spends its share and paces.
	 */
	stage(totalUnits: number, calls: number): Checkpoint {
		const share = Math.ceil(totalUnits / Math.max(1, calls));
		return () => this.tick(share);
	}

	/** The stretch still open at the end counts too. */
	finish(): void {
		this.longestStretch = Math.max(this.longestStretch, this.sinceCheckpoint);
	}
}

function megabytes(bytes: number): string {
	return (bytes / MB).toFixed(1);
}
