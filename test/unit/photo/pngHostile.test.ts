/**
 * Every hostile PNG shape of test/helpers/hostile/png.ts, through preparePhoto as the node runs
 * it: the outcome each one must have (sent or refused, and why), nothing planted in metadata
 * carriers reaching the bytes sent, and the budget proved by counters instead of a stopwatch: the
 * decoder's memory requests stay far inside 64 MB, no stretch of work between two checkpoints
 * exceeds two WORK_PER_CHECKPOINT, and the total work stays under what 2 s of CPU does.
 */

import { PNG } from 'pngjs';

import { preparePhoto } from '../../../nodes/KredibelBiometric/photo/preparePhoto';
import {
	PHOTO_MEMORY_BUDGET,
	WORK_PER_CHECKPOINT,
	WorkMeter,
} from '../../../nodes/KredibelBiometric/photo/workMeter';
import { pngHostileInputs } from '../../helpers/hostile/png';
import { readPnm } from '../../helpers/referenceTools';
import { djpeg } from './photoFixtures';

const MB = 1024 * 1024;
/**
 * Work units 2 s of CPU covers with room to spare: the slowest unit (a 16-bit pixel byte through
 * the converter and the downscaler) costs about a nanosecond (the bench times the same inputs).
 */
const MOST_WORK = 2_000_000_000;
/** What the decoder may request, leaving the rest of 64 MB to turning and encoding. */
const MOST_DECODER_MEMORY = PHOTO_MEMORY_BUDGET / 2;

const cases = pngHostileInputs().map((input) => [input.name, input] as const);

describe.each(cases)('%s', (_name, input) => {
	const outcome = `${input.outcome}${input.refusedAs ? ` as ${input.refusedAs}` : ''}`;

	it(`is ${outcome} within the budget, and nothing planted reaches the bytes sent`, async () => {
		const bytes = input.make();
		const meter = new WorkMeter();
		let checkpoints = 0;
		const result = await preparePhoto(bytes, {
			maxBytes: MB,
			checkpoint: () => void checkpoints++,
			meter,
		});
		// The budget, from the decoder's counters: memory requested, work between two
		// checkpoints, work in all.
		expect(meter.allocated).toBeLessThanOrEqual(MOST_DECODER_MEMORY);
		expect(meter.longestStretch).toBeLessThanOrEqual(2 * WORK_PER_CHECKPOINT);
		expect(meter.work).toBeLessThanOrEqual(MOST_WORK);
		expect(checkpoints).toBeGreaterThanOrEqual(Math.floor(meter.work / (2 * WORK_PER_CHECKPOINT)));
		if (input.outcome === 'refused') {
			expect(result.ok ? 'sent' : result.error.kind).toBe(input.refusedAs);
			return;
		}
		if (!result.ok) throw new Error(`refused: ${result.error.message}`);
		expect(result.bytes.length).toBeLessThanOrEqual(MB);
		if (input.mustNotLeak) {
			expect(Buffer.from(result.bytes).includes(Buffer.from(input.mustNotLeak))).toBe(false);
		}
		// What is sent as it came was decoded here; anything else decodes with the reference
		// decoders, to the size the record says.
		if (result.changes === null) expect(result.bytes).toBe(bytes);
		else {
			const sent =
				result.changes.format === 'jpeg'
					? readPnm(djpeg(result.bytes))
					: PNG.sync.read(Buffer.from(result.bytes), { checkCRC: true });
			expect([sent.width, sent.height]).toEqual([
				result.changes.widthAfter,
				result.changes.heightAfter,
			]);
		}
		const preview = result.preview;
		expect(preview && Math.max(preview.width, preview.height)).toBeLessThanOrEqual(1024);
	});
});
