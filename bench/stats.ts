/**
 * Summaries of repeated measurements. Medians, not means: one run slowed down by a garbage
 * collection or another process on a 2-core machine should not move the figure; min and max
 * show how far the runs spread.
 */

export interface Summary {
	median: number;
	min: number;
	max: number;
	/** How many runs the summary is made of. */
	runs: number;
}

export function summarize(values: readonly number[]): Summary {
	if (values.length === 0) throw new Error('summarize() needs at least one value');
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	const median =
		sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
	return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: sorted.length };
}

/**
 * Interquartile range over the median: how widely the typical runs spread, blind to the odd run
 * another process preempted (which min and max show).
 */
export function relativeSpread(values: readonly number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const at = (fraction: number) => sorted[Math.round(fraction * (sorted.length - 1))];
	return (at(0.75) - at(0.25)) / at(0.5);
}

/** Runs `count` times and collects each run's figure (one after the other, never in parallel). */
export async function repeat(count: number, run: (index: number) => Promise<number>) {
	const values: number[] = [];
	for (let index = 0; index < count; index++) values.push(await run(index));
	return values;
}

export type Standing = 'lower' | 'tie' | 'higher';

/**
 * Where `candidate` stands against `reference`: lower (or equal) median, a tie when its median
 * is higher but still inside the reference's min-max (the runs cannot tell them apart), or higher.
 */
export function standing(candidate: Summary, reference: Summary): Standing {
	if (candidate.median <= reference.median) return 'lower';
	return candidate.median <= reference.max ? 'tie' : 'higher';
}

/** The least favourable of several standings (for "lower is better" figures). */
export function worstStanding(standings: Standing[]): Standing {
	if (standings.includes('higher')) return 'higher';
	return standings.includes('tie') ? 'tie' : 'lower';
}
