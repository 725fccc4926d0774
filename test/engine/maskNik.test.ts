/**
 * Mask NIK covers every spelling a person or a URL can produce (issue 27, point 1), through
 * n8n-core: a selfie link holding the NIK in its path, cut short where the error shows it, and
 * Kredibel echoing the NIK in its messages (cut at 300 characters), each spelled with any
 * separators, Unicode digits and percent-encoding. In every output item, with both continue
 * modes, and in the error n8n ends a stopped run with, no piece of 6 NIK digits that holds a
 * birth-date digit can be read back (test/helpers/nikMasking.ts is the oracle). The NIK and the
 * link are the node's literal parameters, so no input item carries them.
 */
import fc from 'fast-check';
import type { ExecutionError, INodeParameters } from 'n8n-workflow';

import { startImageHost, type ImageHost } from '../fixtures/imageHost';
import { digitString } from '../helpers/nikArbitraries';
import { expectNoBirthDate, spelledNik } from '../helpers/nikMasking';
import { SELFIE, useSandbox, verifyWith } from './harness/fixtures';
import type { NodeSettings } from './harness/runWorkflow';

const SEED = 20_261_227;
const env = useSandbox();
let host: ImageHost;

beforeAll(async () => {
	host = await startImageHost();
});
afterAll(async () => {
	await host.close();
});

const MODES: Array<{ name: string; settings: NodeSettings }> = [
	{ name: 'continue (using error output)', settings: { onError: 'continueErrorOutput' } },
	{ name: 'continue (regular output)', settings: { onError: 'continueRegularOutput' } },
	{ name: 'stop on error', settings: {} },
];

/** What a user can see of a stopped run's error: all of it but the node's own configuration. */
function reportedBy(error: ExecutionError | undefined): unknown {
	if (error === undefined) return null;
	const fields: Record<string, unknown> = { ...error };
	delete fields.node;
	delete fields.timestamp;
	return {
		...fields,
		message: error.message,
		description: error.description ?? null,
		stack: error.stack ?? null,
	};
}

/** Runs one applicant through every mode, with the node's parameters, and reads everything shown. */
async function expectMaskedEverywhere(
	nik: string,
	parameters: INodeParameters,
	modes = MODES,
): Promise<void> {
	for (const { name, settings } of modes) {
		const run = await verifyWith(env.sandbox, {
			niks: [],
			items: [{ json: { applicant: 1 }, binary: { data: { bytes: SELFIE } } }],
			parameters: { identityId: nik, ...parameters },
			options: {
				maskIdentityId: true,
				includeRawResponse: true,
				maxRetries: 0,
				allowPrivateAddresses: true,
			},
			settings,
		});
		try {
			expectNoBirthDate([run.outputs ?? null, reportedBy(run.error)], nik);
		} catch (error) {
			throw new Error(`${name}: ${(error as Error).message}`);
		}
		if (name === 'stop on error') expect(run.error).toBeDefined();
	}
}

/** How much of a link an error shows before its ellipsis (imageDownload.ts). */
const SHOWN_LINK_LENGTH = 59;

const linkPrefix = () => `${host.url}/kyc/`;

/**
 * Image URL parameters for a link holding `spelled` in its path, placed so that the error, which
 * shows the link's first SHOWN_LINK_LENGTH characters, cuts it after `visible` of its characters.
 */
function linkShowing(spelled: string, visible: number): INodeParameters {
	const padding = 'p'.repeat(SHOWN_LINK_LENGTH - linkPrefix().length - 1 - visible);
	return { imageSource: 'url', imageUrl: `${linkPrefix()}${padding}/${spelled}/selfie.jpg` };
}

const nik = digitString(16).filter((digits) => digits[0] !== '0');

describe('Mask NIK covers every spelling (issue 27, point 1)', () => {
	it('a NIK in a selfie link, the link cut at every position of it in the error: items and thrown errors', async () => {
		const digits = '3171011708450001';
		for (let visible = 1; visible <= SHOWN_LINK_LENGTH - linkPrefix().length - 1; visible++) {
			const mode = MODES[visible % MODES.length];
			await expectMaskedEverywhere(digits, linkShowing(digits, visible), [mode]);
		}
	});

	it('a NIK in a selfie link in any spelling, cut anywhere: items and thrown errors', async () => {
		await fc.assert(
			fc.asyncProperty(
				nik.chain((digits) =>
					fc.tuple(
						fc.constant(digits),
						spelledNik(digits),
						fc.integer({ min: 1, max: SHOWN_LINK_LENGTH - linkPrefix().length - 1 }),
					),
				),
				async ([digits, spelled, visible]) => {
					await expectMaskedEverywhere(digits, linkShowing(spelled, visible));
				},
			),
			{ seed: SEED, numRuns: 12 },
		);
	});

	it('Kredibel echoing the NIK in any spelling, cut at 300 characters: items and thrown errors', async () => {
		await fc.assert(
			fc.asyncProperty(
				nik.chain((digits) =>
					fc.tuple(fc.constant(digits), spelledNik(digits), fc.integer({ min: 270, max: 300 })),
				),
				async ([digits, spelled, padding]) => {
					const echoed = `${'x'.repeat(padding)} ${spelled} is not a valid identityId`;
					env.sandbox.reset();
					env.sandbox.addFault({
						fault: {
							kind: 'answer',
							status: 400,
							body: { errors: { identityId: [echoed] }, message: echoed },
						},
					});
					await expectMaskedEverywhere(digits, {});
				},
			),
			{ seed: SEED, numRuns: 12 },
		);
	});
});
