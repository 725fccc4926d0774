/**
 * What the example workflow (examples/kyc-sandbox-demo.json) shows in the editor once executed
 * against the dev environment's sandbox, and a browser session on that environment: shared by
 * the editor test and `npm run docs:screenshots`.
 */
import type { Browser } from 'playwright-core';

import { startDevEnvironment, type DevEnvironment } from '../../../scripts/devEnvironment';
import { freePort } from '../harness/freePort';
import { progress } from '../harness/processes';
import { PINNED_N8N } from '../harness/versions';
import { launchChromium } from './chromium';
import { EditorSession } from './editorSession';

export const NODE_NAME = 'Kredibel Biometric';
export const NODE_TYPE = 'n8n-nodes-kredibel.kredibelBiometric';
export const SAMPLE_NODE = 'Sample applicants';

/** The output a branch tab in the node view is titled after, and the node it leads to. */
export const OUTPUTS = [
	{ output: 'No Verdict', next: 'No verdict' },
	{ output: 'Match', next: 'Approve' },
	{ output: 'No Match', next: 'Reject' },
	{ output: 'Invalid Identity', next: 'Manual review' },
	{ output: 'Error', next: 'Ask to resubmit' },
] as const;

export type OutputName = (typeof OUTPUTS)[number]['output'];

/** The sample applicants and where each one ends up (see the workflow's Code node). */
export const APPLICANTS: ReadonlyArray<{ name: string; nik: string; output: OutputName }> = [
	{ name: 'Siti Rahayu', nik: '1234567890123456', output: 'Match' },
	{ name: 'Budi Santoso', nik: '1234567890111111', output: 'No Match' },
	{ name: 'Andi Wijaya', nik: '1234567890123444', output: 'Invalid Identity' },
	{ name: 'Dewi Lestari', nik: '3171015708450001', output: 'Error' },
	{ name: 'Rudi Hartono', nik: '3171011708450001', output: 'Error' },
	{ name: 'Joko Susilo', nik: '3171 0117 0845 000', output: 'Error' },
];

export function itemCount(count: number): string {
	return `${count} ${count === 1 ? 'item' : 'items'}`;
}

/** The labels the canvas should show on the connections leaving the node after a run. */
export function expectedConnectionLabels(): Record<string, string> {
	return Object.fromEntries(
		OUTPUTS.map(({ output, next }) => {
			const count = APPLICANTS.filter((applicant) => applicant.output === output).length;
			// A connection that carried nothing (No Verdict here) has no label on the canvas.
			return [next, count === 0 ? '' : itemCount(count)];
		}),
	);
}

export interface EditorEnvironment {
	dev: DevEnvironment;
	browser: Browser;
	session: EditorSession;
	stop(): Promise<void>;
}

/**
 * The dev environment (sandbox, n8n with the packed package, credential, example workflow,
 * owner) on free ports, and a signed-out browser session on its editor. Needs `npm run build`.
 */
export async function startEditorEnvironment(options: {
	artifactsDir: string;
}): Promise<EditorEnvironment> {
	const version = PINNED_N8N[0].version;
	const started = Date.now();
	progress(`editor: starting the sandbox and n8n ${version}...`);
	const port = await freePort();
	const sandboxPort = await freePort();
	const dev = await startDevEnvironment({ version, port, sandboxPort });
	let browser: Browser | undefined;
	try {
		browser = await launchChromium();
		const session = await EditorSession.open(browser, {
			editorUrl: dev.editorUrl,
			artifactsDir: options.artifactsDir,
		});
		progress(
			`editor: n8n ${version} at ${dev.editorUrl} and Chromium ${browser.version()} ready in ${Math.round((Date.now() - started) / 1000)} s`,
		);
		const opened = browser;
		return {
			dev,
			browser,
			session,
			stop: async () => {
				await opened.close();
				await dev.stop();
			},
		};
	} catch (error) {
		await browser?.close();
		await dev.stop();
		throw error;
	}
}
