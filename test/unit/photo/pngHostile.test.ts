/**
 * Every hostile PNG shape of test/helpers/hostile/png.ts, through preparePhoto as the node runs
 * it, for what is particular to PNG: what is sent is what the record says (a PNG sent as it came
 * is the same bytes; anything else reads in libpng's or libjpeg's stand-in at the size recorded),
 * nothing planted in metadata carriers reaches it, and the preview is the picture decoded at
 * most START_LONG_SIDE on the long side. The budget every hostile photo keeps (memory, work,
 * pacing) and the outcome are asserted for all formats in hostile.test.ts.
 */

import { PNG } from 'pngjs';

import { PhotoBudget } from '../../../nodes/KredibelBiometric/photo/budget';
import { preparePhoto, START_LONG_SIDE } from '../../../nodes/KredibelBiometric/photo/preparePhoto';
import { pngHostileInputs } from '../../helpers/hostile/png';
import { readPnm } from '../../helpers/referenceTools';
import { djpeg } from './photoFixtures';

const MB = 1024 * 1024;

const cases = pngHostileInputs().map((input) => [input.name, input] as const);

describe.each(cases)('%s', (_name, input) => {
	const outcome = `${input.outcome}${input.refusedAs ? ` as ${input.refusedAs}` : ''}`;

	it(`is ${outcome}, and what is sent is what its record says, without anything planted`, async () => {
		const bytes = input.make();
		const result = await preparePhoto(bytes, { maxBytes: MB, budget: new PhotoBudget() });
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
		const { preview } = result;
		expect(Math.max(preview.width, preview.height)).toBeLessThanOrEqual(START_LONG_SIDE);
	});
});
