/**
 * Hostile PNGs inside n8n-core, among ordinary applicants: four ~970 KB zlib bombs holding
 * 50 megapixels each (150 MB of Paeth-filtered rows, the most image data the node decodes;
 * the default Concurrency 4 prepares them side by side), the 388 KB 16-bit bomb and an
 * interlaced one that the node refuses from their headers, and one whose zlib stream never ends.
 * Every 50 MP bomb is decoded within the budget and sent, the refused ones fail alone and free,
 * and the ordinary applicant keeps its verdict. Memory is read from Node while the run goes (live
 * ArrayBuffers above their level after a garbage collection before the run): four bombs stay
 * within four times 64 MB (on the code before this, one 16-bit bomb took 762 MB). The budget
 * itself is proved in the unit tier.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import type { INodeExecutionData } from 'n8n-workflow';

import { paethBombPng, pngHostileInputs } from '../helpers/hostile/png';
import { SANDBOX_NIKS } from '../sandbox/server';
import { SELFIE, allItems, useSandbox, verifyWith } from './harness/fixtures';
import type { InputItem } from './harness/testNodes';

const env = useSandbox();
const MB = 1024 * 1024;

function hostile(name: string): Buffer {
	const input = pngHostileInputs().find((candidate) => candidate.name.startsWith(name));
	if (!input) throw new Error(`no hostile input named ${name}`);
	return Buffer.from(input.make());
}

/** Four different 50 MP bombs (widths 1 more than a multiple of 86), so none shares a request. */
const BOMBS = [8171, 8085, 7999, 7913].map((width) => Buffer.from(paethBombPng(width, 6119)));
const DEEP_BOMB = hostile('16-bit RGBA zlib bomb');
const INTERLACED_BOMB = hostile('interlaced 16-bit RGBA zlib bomb');
const ENDLESS = hostile('a zlib stream that never ends');

/**
 * V8's garbage collector, so that buffers left over from making the fixtures are gone before the
 * run and what the run holds stands out (Jest does not start Node with --expose-gc).
 */
function collectGarbage(): void {
	setFlagsFromString('--expose-gc');
	(runInNewContext('gc') as () => void)();
}

function item(applicant: string, nik: string, bytes: Buffer): InputItem {
	return { json: { applicant, nik }, binary: { data: { bytes } } };
}

function errorTypeOf(output: INodeExecutionData): unknown {
	return output.json.errorType ?? (output.json.error as { errorType?: string })?.errorType;
}

describe('hostile PNGs in one run with an ordinary applicant', () => {
	it('decodes and sends the bombs within the budget, refuses the others alone and free, and keeps the verdict of the rest', async () => {
		const items = [
			...BOMBS.map((bomb, index) => item(`bomb ${index}`, SANDBOX_NIKS.match, bomb)),
			item('16-bit bomb', SANDBOX_NIKS.match, DEEP_BOMB),
			item('interlaced bomb', SANDBOX_NIKS.match, INTERLACED_BOMB),
			item('ordinary', SANDBOX_NIKS.noMatch, Buffer.from(SELFIE)),
			item('endless stream', SANDBOX_NIKS.match, ENDLESS),
		];
		collectGarbage();
		const before = process.memoryUsage();
		let peakBuffers = 0;
		const sampler = setInterval(() => {
			const now = process.memoryUsage();
			peakBuffers = Math.max(peakBuffers, now.arrayBuffers - before.arrayBuffers);
		}, 5);
		let run;
		try {
			run = await verifyWith(env.sandbox, {
				niks: [],
				items,
				// The bombs' pictures are flat, with no face: Face Check would refuse them. This test is
				// about the photo step (budget, memory, what is sent), so the check is off.
				options: { faceCheck: 'off' },
			});
		} finally {
			clearInterval(sampler);
		}
		// Each output names its input item; the error output also merges the input's JSON.
		const names = items.map((input) => input.json.applicant);
		const byApplicant = new Map(
			allItems(run).map((output) => [names[(output.pairedItem as { item: number }).item], output]),
		);
		for (let index = 0; index < BOMBS.length; index++) {
			const bomb = byApplicant.get(`bomb ${index}`);
			// Clean and within the limit: sent as it is, once decoded completely.
			expect([bomb?.json.result, bomb?.json.photo]).toEqual(['match', null]);
		}
		expect(byApplicant.get('ordinary')?.json.result).toBe('no_match');
		for (const name of ['16-bit bomb', 'interlaced bomb']) {
			const refused = byApplicant.get(name) as INodeExecutionData;
			expect([name, errorTypeOf(refused), refused.json.charged]).toEqual([
				name,
				'image_too_large',
				false,
			]);
		}
		const endless = byApplicant.get('endless stream') as INodeExecutionData;
		expect([errorTypeOf(endless), endless.json.charged]).toEqual([
			'unsupported_image_format',
			false,
		]);
		const sent = env.biometricRequests().map((entry) => entry.faceImage as Buffer);
		expect(sent.length).toBe(BOMBS.length + 1);
		for (const bomb of BOMBS) expect(sent.some((bytes) => bytes.equals(bomb))).toBe(true);
		expect(peakBuffers).toBeLessThan(4 * 64 * MB);
	}, 300_000);
});
