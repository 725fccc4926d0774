import { randomUUID } from 'node:crypto';

import {
	NodeApiError,
	NodeOperationError,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { callInExpression } from '../../credentials/expressionFunction';
import { resolveBaseUrl } from '../../credentials/kredibelEnvironments';
import { checkBeforeSending, sameAsChecked, type CheckedItem } from './checkBeforeSending';
import { cutText, type Failure, localFailure } from './common';
import { nodeProperties } from './description';
import { type ItemOutcome, localOutcome } from './itemOutcome';
import { readConcurrency, readDedupe } from './itemSettings';
import { CREDENTIAL_NAME, ROUTED_OUTPUT_NAMES } from './kredibel';
import {
	authenticatedRequests,
	deduplicationHelpers,
	drawnOutputs,
	executionCancelSignal,
	executionIdText,
	MAIN_CONNECTION,
	plainRequests,
	storedBinaryHelpers,
} from './n8nCompat';
import { buildOutputs, toNodeError } from './outputs';
import { mapInOrder } from './pool';
import { type ItemRun, prepareItem } from './prepareItem';
import { accountKey, imageDigest, ProcessedStore, VerificationLedger } from './reuse';
import { checkRouteByResult } from './routeByResult';
import { type ExecutionPlan, sendItem } from './sendItem';
import { isToolMode, toToolItems } from './toolMode';

/**
 * One output, or four named ones with Route by Result: No Verdict, Match, No Match, Invalid
 * Identity. Evaluated by n8n on the node's parameters, as its Switch node does, so it is
 * self-contained JavaScript (the names are written into it). Only `true` (or the text "true")
 * routes; `execute()` does not read the parameter again but asks n8n which outputs it drew, so
 * the two can never disagree.
 */
function configuredOutputs(parameters: { routeByResult?: unknown }) {
	const route = parameters.routeByResult;
	const routes =
		route === true || (typeof route === 'string' && route.trim().toLowerCase() === 'true');
	if (!routes) return [{ type: 'main' }];
	return ['No Verdict', 'Match', 'No Match', 'Invalid Identity'].map((displayName) => ({
		type: 'main',
		displayName,
	}));
}

export class KredibelBiometric implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Kredibel Biometric',
		name: 'kredibelBiometric',
		icon: { light: 'file:kredibel.svg', dark: 'file:kredibel.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ $parameter["routeByResult"] ? "Verify and route by result" : "Verify face against NIK" }}',
		description:
			'Check a selfie against the civil registry (Dukcapil) photo for a NIK with Kredibel (KYC)',
		defaults: { name: 'Kredibel Biometric' },
		usableAsTool: true,
		inputs: [MAIN_CONNECTION],
		outputs: `={{${callInExpression(configuredOutputs, '$parameter')}}}`,
		credentials: [{ name: CREDENTIAL_NAME, required: true }],
		properties: nodeProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const node = this.getNode();
		// A tool call hands back output 0 only, and a thrown error ends the agent's turn.
		const asTool = isToolMode(node);
		const continueOnFail = asTool || this.continueOnFail();
		const routeByResult = !asTool && drawsRoutedOutputs(this);

		// With "continue on fail" n8n would send the untouched input down output 0 if this threw;
		// that is No Verdict, but the items would carry no reason: every item fails instead.
		const everyItemFails = (failure: Failure): ItemOutcome[] =>
			items.map(() => localOutcome(failure));
		let outcomes: ItemOutcome[];
		const refusal = asTool ? undefined : checkRouteByResult(node.parameters.routeByResult);
		if (refusal) {
			if (!continueOnFail) {
				throw new NodeOperationError(node, refusal.message, { description: refusal.description });
			}
			outcomes = everyItemFails(
				localFailure('invalid_parameter', refusal.message, refusal.description),
			);
		} else {
			try {
				outcomes = await verifyAll(this, items, continueOnFail);
			} catch (error) {
				if (!continueOnFail) {
					throw error instanceof NodeOperationError || error instanceof NodeApiError
						? error
						: new NodeOperationError(node, error as Error);
				}
				const reason = error instanceof Error ? error.message : String(error);
				outcomes = everyItemFails(
					localFailure(
						'configuration_error',
						cutText(reason, 300),
						'Check the Kredibel API credential selected on the node.',
					),
				);
			}
		}

		if (!continueOnFail) {
			const firstFailure = outcomes.findIndex((outcome) => !outcome.ok);
			if (firstFailure !== -1) {
				const failed = outcomes[firstFailure];
				if (!failed.ok) throw toNodeError(node, firstFailure, failed);
			}
		}
		if (asTool) return [toToolItems(buildOutputs(node, outcomes, false)[0])];
		return buildOutputs(node, outcomes, routeByResult);
	}
}

async function verifyAll(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
	continueOnFail: boolean,
): Promise<ItemOutcome[]> {
	const credentials = await context.getCredentials(CREDENTIAL_NAME);
	const baseUrl = resolveBaseUrl(credentials);
	const cancelSignal = executionCancelSignal(context);
	const isCancelled = () => cancelSignal?.aborted === true;
	const concurrency = readConcurrency(context);
	const run: ItemRun = {
		context,
		items,
		asTool: isToolMode(context.getNode()),
		isCancelled,
		imageAccess: {
			binary: {
				assertBinaryData: context.helpers.assertBinaryData,
				getBinaryDataBuffer: context.helpers.getBinaryDataBuffer,
				...storedBinaryHelpers(context),
			},
			send: plainRequests(context),
			cancelSignal,
			isCancelled,
		},
	};

	// Stop on error: nothing is sent until every item passed every local check.
	let checked: Array<CheckedItem | undefined> | undefined;
	if (!continueOnFail) {
		const before = await checkBeforeSending(run, concurrency);
		if (!before.ok) throw toNodeError(context.getNode(), before.itemIndex, before.outcome);
		checked = before.checked;
	}

	let failed = false;
	const plan: ExecutionPlan = {
		baseUrl,
		send: authenticatedRequests(context, CREDENTIAL_NAME),
		isCancelled,
		dedupe: readDedupe(context),
		ledger: new VerificationLedger(
			executionIdOf(context),
			accountKey(credentials.apiKey, baseUrl),
			new ProcessedStore(deduplicationHelpers(context)),
		),
	};
	const verify = async (itemIndex: number): Promise<ItemOutcome> => {
		const check = checked?.[itemIndex];
		// An item the check did not reach (the execution was stopped) is never sent.
		if (checked !== undefined && check === undefined) return notSent(true);
		const prepared =
			check === undefined || !('kept' in check)
				? await prepareItem(run, itemIndex, check?.checkedPhoto)
				: check.kept;
		if (!prepared.ok) return prepared;
		const digest = imageDigest(prepared.image);
		const changed = check === undefined ? undefined : sameAsChecked(check, digest);
		if (changed) return localOutcome(changed, prepared.nik);
		return await sendItem(prepared, digest, items[itemIndex], itemIndex, plan);
	};
	return await mapInOrder(
		items.length,
		async (itemIndex) => {
			let outcome: ItemOutcome;
			try {
				outcome = await verify(itemIndex);
			} catch (error) {
				// The item steps do not throw; should anything in them still do so, only this item fails.
				outcome = localOutcome(
					localFailure(
						'configuration_error',
						`The item could not be processed: ${cutText(error instanceof Error ? error.message : String(error), 200)}`,
						'Check the parameters of this item. If they look right, please report this as a bug.',
					),
				);
			}
			if (!outcome.ok) failed = true;
			return outcome;
		},
		{
			concurrency,
			// Without "continue on fail" the first failure ends the run: no point paying for more.
			shouldStop: () => isCancelled() || (failed && !continueOnFail),
			notStarted: () => notSent(isCancelled()),
		},
	);
}

function notSent(cancelled: boolean): ItemOutcome {
	return localOutcome(
		localFailure(
			'cancelled',
			cancelled
				? 'The execution was stopped before this item was sent'
				: 'Not sent, because an earlier item failed',
			'Run the workflow again.',
		),
	);
}

/** Whether n8n drew the routed outputs: execute() fills what n8n drew, nothing else. */
function drawsRoutedOutputs(context: IExecuteFunctions): boolean {
	const drawn = drawnOutputs(context, () => configuredOutputs(context.getNode().parameters));
	const mainOutputs = drawn.filter((output) => {
		const { type, category } = output as { type?: string; category?: string };
		return (typeof output === 'string' ? output : type) === 'main' && category !== 'error';
	});
	return mainOutputs.length === ROUTED_OUTPUT_NAMES.length;
}

/**
 * The execution this run belongs to: Retry On Fail and loops run the node again in the same
 * execution, and its answers are its own whatever the Reuse Window. Without an id (a context
 * that gives none) the run is an execution of its own.
 */
function executionIdOf(context: IExecuteFunctions): string {
	const id = executionIdText(context);
	const node = context.getNode();
	return id === '' ? `run ${randomUUID()}` : `${id}\u0000${node.id ?? node.name}`;
}
