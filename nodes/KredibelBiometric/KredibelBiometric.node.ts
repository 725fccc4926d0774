import { randomUUID } from 'node:crypto';

import {
	NodeApiError,
	NodeConnectionTypes,
	NodeOperationError,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { callInExpression } from '../../credentials/expressionFunction';
import { resolveBaseUrl } from '../../credentials/kredibelEnvironments';
import { nodeProperties } from './description';
import { cutText, type Failure, localFailure } from './common';
import { readConcurrency, readDedupe } from './itemSettings';
import { accountKey, ProcessedStore, VerificationLedger } from './reuse';
import { buildOutputs, toNodeError, type FailedOutcome } from './outputs';
import { mapInOrder } from './pool';
import { checkRouteByResult } from './routeByResult';
import { CREDENTIAL_NAME, ROUTED_OUTPUT_NAMES } from './kredibel';
import { isToolMode, toToolItems } from './toolMode';
import { checkItem, verifyItem, type ExecutionPlan, type ItemOutcome } from './verifyItem';

/**
 * n8n-workflow exports NodeConnectionTypes from 1.83 (n8n 1.85) on. In n8n 1.80 to 1.84 it is
 * undefined at run time, and a connection type is the plain string it stands for.
 */
const MAIN_CONNECTION = NodeConnectionTypes?.Main ?? 'main';

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
			items.map(() => ({ ok: false, failure, attempts: 0, identityId: null }));
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
				throw toNodeError(node, firstFailure, outcomes[firstFailure] as FailedOutcome);
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
	const cancelSignal = context.getExecutionCancelSignal?.();
	const isCancelled = () => cancelSignal?.aborted === true;
	const concurrency = readConcurrency(context);

	// Stop on error: one bad item would end the run after the others were paid for and their
	// verdicts thrown away, so every item is checked locally before the first request.
	if (!continueOnFail) {
		// Only failures are kept: a passing item's image is read again when it is sent, so the
		// pre-pass never holds more than Concurrency images at once.
		const failures = await mapInOrder(
			items.length,
			async (itemIndex) => {
				const checked = await checkItem(context, items[itemIndex], itemIndex, isCancelled);
				return checked.ok ? undefined : (checked.outcome as FailedOutcome);
			},
			{ concurrency, shouldStop: isCancelled, notStarted: () => undefined },
		);
		const firstBad = failures.findIndex((failure) => failure !== undefined);
		if (firstBad !== -1) {
			throw toNodeError(context.getNode(), firstBad, failures[firstBad] as FailedOutcome);
		}
	}

	let failed = false;
	const plan: ExecutionPlan = {
		baseUrl,
		isCancelled,
		dedupe: readDedupe(context),
		ledger: new VerificationLedger(
			executionIdOf(context),
			accountKey(credentials.apiKey, baseUrl),
			new ProcessedStore(context.helpers),
		),
	};
	return await mapInOrder(
		items.length,
		async (itemIndex) => {
			let outcome: ItemOutcome;
			try {
				outcome = await verifyItem(context, items[itemIndex], itemIndex, plan);
			} catch (error) {
				// verifyItem does not throw; should anything in it still do so, only this item fails.
				outcome = {
					ok: false,
					failure: localFailure(
						'configuration_error',
						`The item could not be processed: ${cutText(error instanceof Error ? error.message : String(error), 200)}`,
						'Check the parameters of this item. If they look right, please report this as a bug.',
					),
					attempts: 0,
					identityId: null,
				};
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
	return {
		ok: false,
		failure: localFailure(
			'cancelled',
			cancelled
				? 'The execution was stopped before this item was sent'
				: 'Not sent, because an earlier item failed',
			'Run the workflow again.',
		),
		attempts: 0,
		identityId: null,
	};
}

/** Whether n8n drew the routed outputs: execute() fills what n8n drew, nothing else. */
function drawsRoutedOutputs(context: IExecuteFunctions): boolean {
	const drawn =
		typeof context.getNodeOutputs === 'function'
			? context.getNodeOutputs()
			: configuredOutputs(context.getNode().parameters);
	const mainOutputs = drawn.filter((output) => {
		const { type, category } = output as { type?: string; category?: string };
		return (typeof output === 'string' ? output : type) === 'main' && category !== 'error';
	});
	return mainOutputs.length === ROUTED_OUTPUT_NAMES.length;
}

/**
 * The execution this run belongs to: Retry On Fail and loops run the node again in the same
 * execution, and its answers are its own whatever the Reuse Window. Without an id (an n8n that
 * gives none) the run is an execution of its own.
 */
function executionIdOf(context: IExecuteFunctions): string {
	const executionId = context.getExecutionId?.();
	const id =
		typeof executionId === 'string' || typeof executionId === 'number' ? String(executionId) : '';
	const node = context.getNode();
	return id === '' ? `run ${randomUUID()}` : `${id}\u0000${node.id ?? node.name}`;
}
