/**
 * Why this file exists: budget.ts is how the codec proves its bounds without timing anything, so
 * its own arithmetic must hold: claims over the memory limit and work over the work limit refuse
 * the photo as too_large before anything happens, releases give memory back, and the checkpoint
 * is called once per quantum of work and no later than one step after it.
 */
import { DEFAULT_LIMITS, PhotoBudget } from '../../../nodes/KredibelBiometric/photo/budget';
import { PhotoError } from '../../../nodes/KredibelBiometric/photo/picture';

describe('PhotoBudget', () => {
	const limits = { memoryBytes: 1000, workUnits: 500, unitsPerCheckpoint: 100 };

	it('refuses a claim that would go over the memory limit, and counts the peak', () => {
		const budget = new PhotoBudget(undefined, limits);
		budget.claim(600, 'a');
		budget.release(200);
		budget.claim(600, 'b');
		expect([budget.memoryInUse, budget.memoryPeak]).toEqual([1000, 1000]);
		expect(() => budget.claim(1, 'c')).toThrow(expect.objectContaining({ kind: 'too_large' }));
		expect(budget.canClaim(0)).toBe(true);
		expect(budget.canClaim(1)).toBe(false);
	});

	it('refuses work past the limit', () => {
		const budget = new PhotoBudget(undefined, limits);
		budget.spend(500);
		let error: unknown;
		try {
			budget.spend(1);
		} catch (caught) {
			error = caught;
		}
		expect(error).toBeInstanceOf(PhotoError);
		expect((error as PhotoError).kind).toBe('too_large');
	});

	it('calls the checkpoint once per quantum, at most one step late', async () => {
		let calls = 0;
		const budget = new PhotoBudget(() => void calls++, limits);
		for (let i = 0; i < 45; i++) await budget.tick(7);
		budget.finish();
		expect(calls).toBe(3); // 315 units: after 105, 210 and 315
		expect(budget.longestStretch).toBeLessThanOrEqual(100 + budget.largestStep);
		expect(budget.largestStep).toBe(7);
	});

	it('spends without calling until paced, and a stage spreads its units over its calls', async () => {
		let calls = 0;
		const budget = new PhotoBudget(() => void calls++, limits);
		budget.spend(150);
		expect(calls).toBe(0);
		await budget.pace();
		expect(calls).toBe(1);
		const stage = budget.stage(300, 3);
		await stage();
		await stage();
		expect([budget.workDone, calls]).toEqual([350, 3]);
	});

	it('has limits within the promise (64 MB, checkpoints far below 50 ms of work)', () => {
		expect(DEFAULT_LIMITS.memoryBytes).toBeLessThan(64 * 1024 * 1024);
		expect(DEFAULT_LIMITS.unitsPerCheckpoint).toBeLessThan(DEFAULT_LIMITS.workUnits / 100);
	});
});
