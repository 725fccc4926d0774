/**
 * What most engine tests share: the local sandbox for the whole file (reset before each test),
 * applicants as input items carrying a JPEG selfie, the credential pointing at the sandbox, and
 * a shortcut that runs the standard workflow against it.
 */
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	INodeExecutionData,
	INodeParameters,
} from 'n8n-workflow';

import { answerMemory } from '../../../nodes/KredibelBiometric/reuse/answerMemory';
import { makeJpeg } from '../../fixtures/images';
import { SECOND_TEST_API_KEY, TEST_API_KEY } from '../../helpers/secrets';
import { startSandbox, type RequestLogEntry, type Sandbox } from '../../sandbox/server';
import { runWorkflow, type EngineRun, type NodeSettings, type WorkflowSpec } from './runWorkflow';
import type { InputItem } from './testNodes';

export const SELFIE = makeJpeg();

/** One applicant per NIK, the NIK in `json.nik` and the selfie in the binary property `data`. */
export function applicants(niks: unknown[], selfie = SELFIE): InputItem[] {
	return niks.map((nik, index) => ({
		json: { applicant: index, nik } as IDataObject,
		binary: { data: { bytes: selfie } },
	}));
}

/** The node reading the NIK from each item, as a user maps it. */
export const NIK_FROM_ITEM = '={{ $json.nik }}';

export function sandboxCredential(
	sandbox: { url: string },
	apiKey = TEST_API_KEY,
): ICredentialDataDecryptedObject {
	return { apiKey, environment: 'custom', baseUrl: sandbox.url };
}

/**
 * Starts the sandbox before the file's tests and closes it after; before each test, waits for
 * requests a client abandoned (a timeout) to finish, then clears the log and faults and the
 * node's memory of answers.
 */
export function useSandbox(): {
	readonly sandbox: Sandbox;
	biometricRequests(): RequestLogEntry[];
} {
	const holder: { sandbox?: Sandbox } = {};
	beforeAll(async () => {
		holder.sandbox = await startSandbox({
			apiKey: TEST_API_KEY,
			otherApiKeys: [SECOND_TEST_API_KEY],
		});
	});
	afterAll(async () => {
		await holder.sandbox?.close();
	});
	beforeEach(async () => {
		const sandbox = holder.sandbox as Sandbox;
		await settle(sandbox);
		sandbox.reset();
		sandbox.setLatency(0);
		forgetAnswers();
	});
	return {
		get sandbox() {
			return holder.sandbox as Sandbox;
		},
		biometricRequests: () =>
			(holder.sandbox as Sandbox)
				.requests()
				.filter((entry) => entry.path.startsWith('/v1/identity')),
	};
}

/** Starts as a freshly started n8n would: no answers from earlier runs to reuse. */
export function forgetAnswers(): void {
	answerMemory.clear();
}

/** Waits until the sandbox has answered every request it received. */
export async function settle(sandbox: Sandbox): Promise<void> {
	while (sandbox.stats().inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 20));
}

export interface VerifySpec {
	niks: unknown[];
	parameters?: INodeParameters;
	options?: INodeParameters;
	settings?: NodeSettings;
	items?: InputItem[];
	credentials?: WorkflowSpec['credentials'];
	onStarted?: WorkflowSpec['onStarted'];
}

/**
 * Runs Start -> Kredibel Biometric -> outputs against the sandbox. The node's NIK is mapped
 * from the item; On Error defaults to "Continue (using error output)" unless `settings` says
 * otherwise (pass `{}` for n8n's default, stop on error).
 */
export async function verifyWith(sandbox: Sandbox, spec: VerifySpec): Promise<EngineRun> {
	return await runWorkflow({
		items: spec.items ?? applicants(spec.niks),
		parameters: {
			identityId: NIK_FROM_ITEM,
			options: spec.options ?? {},
			...spec.parameters,
		},
		settings: spec.settings ?? { onError: 'continueErrorOutput' },
		credentials: spec.credentials === undefined ? sandboxCredential(sandbox) : spec.credentials,
		onStarted: spec.onStarted,
	});
}

/** `pairedItem.item` of each item. */
export function pairedIndexes(items: INodeExecutionData[] | undefined): number[] {
	return (items ?? []).map((item) => (item.pairedItem as { item: number }).item);
}

/** Every item of every output, in output order. */
export function allItems(run: EngineRun): INodeExecutionData[] {
	return (run.outputs ?? []).flat();
}
