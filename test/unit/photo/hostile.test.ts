/**
 * Why this file exists: DESIGN.md "Photos" promises that any input, whatever it claims, costs at
 * most 2 s of CPU and 64 MB of extra memory and never blocks the event loop for more than 50 ms.
 * Each hostile photo of test/helpers/hostile goes through preparePhoto with its own PhotoBudget,
 * and the test asserts, without timing anything, what the budget counted: the memory claimed at
 * any moment stayed within the limit, the work within its limit, the checkpoint was called at
 * least once per quantum of work (plus one step), and the outcome is the one the input expects:
 * refused (free, with the expected kind) or sent as a JPEG that libjpeg decodes, never carrying
 * text planted in the file. Time and memory on this machine are in `npx tsx bench/run.ts --only
 * hostile`.
 */
import {
	MEMORY_LIMIT_BYTES,
	PhotoBudget,
	UNITS_PER_CHECKPOINT,
	WORK_LIMIT_UNITS,
} from '../../../nodes/KredibelBiometric/photo/budget';
import { preparePhoto } from '../../../nodes/KredibelBiometric/photo/preparePhoto';
import { allHostileInputs } from '../../helpers/hostile';
import { djpeg } from './photoFixtures';

const MB = 1024 * 1024;
const photos = allHostileInputs().filter((input) => input.format !== 'svg');

describe('hostile photos stay within the budget', () => {
	it.each(photos.map((input) => [input.name, input] as const))('%s', async (_name, input) => {
		const bytes = input.make();
		let checkpoints = 0;
		const budget = new PhotoBudget(() => void checkpoints++);
		const result = await preparePhoto(bytes, { maxBytes: MB, budget });

		expect(budget.memoryPeak).toBeLessThanOrEqual(MEMORY_LIMIT_BYTES);
		// A decode refused at the work limit stops within the step that crossed it.
		expect(budget.workDone).toBeLessThanOrEqual(WORK_LIMIT_UNITS + budget.largestStep);
		// Paced: never more than one step past the quantum, and no step near 50 ms of work.
		expect(budget.largestStep).toBeLessThanOrEqual(UNITS_PER_CHECKPOINT);
		expect(budget.longestStretch).toBeLessThanOrEqual(UNITS_PER_CHECKPOINT + budget.largestStep);
		expect(checkpoints).toBe(budget.checkpoints);

		const outcome = result.ok ? 'sent' : 'refused';
		if (input.outcome !== 'either') {
			// The message rides along so that a wrong outcome says why.
			expect({ outcome, why: result.ok ? null : result.error.message }).toMatchObject({
				outcome: input.outcome,
			});
		}
		if (!result.ok) {
			if (input.refusedAs) expect(result.error.kind).toBe(input.refusedAs);
			return;
		}
		expect(result.bytes.length).toBeLessThanOrEqual(MB);
		// What is sent reads in the reference decoder (a PNG sent as PNG is the PNG tests' concern).
		if (result.bytes[0] === 0xff) expect(djpeg(result.bytes).length).toBeGreaterThan(0);
		if (input.mustNotLeak) {
			expect(Buffer.from(result.bytes).includes(Buffer.from(input.mustNotLeak))).toBe(false);
		}
	});
});
