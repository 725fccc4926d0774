import {
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
import { localFailure } from './failure';
import { ALWAYS_OUTPUT_DATA_REFUSAL, checkRouteByResult, refuseRun } from './refusal';
import { cutText } from './echo';
import { readConcurrency, readDedupe } from './itemSettings';
import { VerificationLedger } from './ledger';
import { buildOutputs, toNodeError, type FailedOutcome } from './outputs';
import { mapInOrder } from './pool';
import { CREDENTIAL_NAME } from './transport';
import { isToolMode, toToolItems } from './toolMode';
import { verifyItem, type ExecutionPlan, type ItemOutcome } from './verifyItem';

/**
 * n8n-workflow exports NodeConnectionTypes from 1.83 (n8n 1.85) on. In n8n 1.80 to 1.84 it is
 * undefined at run time, and a connection type is the plain string it stands for.
 */
const MAIN_CONNECTION = NodeConnectionTypes?.Main ?? 'main';

/**
 * One output, or three named ones with Route by Result. Evaluated by n8n on the node's
 * parameters, as its Switch node does, so it is written as plain JavaScript. Only `true` (or the
 * text "true") routes; `execute()` does not read the parameter again but asks n8n which outputs
 * it drew, so the two can never disagree.
 */
function configuredOutputs(parameters: { routeByResult?: unknown }) {
	const route = parameters.routeByResult;
	const routes =
		route === true || (typeof route === 'string' && route.trim().toLowerCase() === 'true');
	if (!routes) return [{ type: 'main' }];
	return [
		{ type: 'main', displayName: 'Match' },
		{ type: 'main', displayName: 'No Match' },
		{ type: 'main', displayName: 'Invalid Identity' },
	];
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
		if (!asTool) {
			const refusal = checkRouteByResult(node.parameters.routeByResult);
			if (refusal) throw refuseRun(this, continueOnFail, refusal);
		}
		const routeByResult = !asTool && drawsRoutedOutputs(this);
		if (routeByResult && node.alwaysOutputData === true) {
			throw refuseRun(this, continueOnFail, ALWAYS_OUTPUT_DATA_REFUSAL);
		}

		let outcomes: ItemOutcome[];
		try {
			outcomes = await verifyAll(this, items, continueOnFail);
		} catch (error) {
			// With "continue on fail" n8n would send the untouched input down output 0 (Match, when
			// routing) if this threw; so a failure around the loop fails every item instead.
			if (!continueOnFail) throw new NodeOperationError(node, error as Error);
			const reason = error instanceof Error ? error.message : String(error);
			const failure = localFailure(
				'configuration_error',
				cutText(reason, 300),
				'Check the Kredibel API credential selected on the node.',
			);
			outcomes = items.map(() => ({ ok: false, failure, attempts: 0, identityId: null }));
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
	let failed = false;
	const isCancelled = () => cancelSignal?.aborted === true;
	const plan: ExecutionPlan = {
		baseUrl,
		isCancelled,
		dedupe: readDedupe(context),
		ledger: new VerificationLedger(ledgerScope(context, baseUrl)),
	};

	return mapInOrder(
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
			concurrency: readConcurrency(context),
			// Without "continue on fail" the first failure ends the run: no point paying for more.
			shouldStop: () => isCancelled() || (failed && !continueOnFail),
			notStarted: (): ItemOutcome => ({
				ok: false,
				failure: localFailure(
					'cancelled',
					isCancelled()
						? 'The execution was stopped before this item was sent'
						: 'Not sent, because an earlier item failed',
					'Run the workflow again.',
				),
				attempts: 0,
				identityId: null,
			}),
		},
	);
}

/** Whether n8n drew the three routed outputs: execute() fills what n8n drew, nothing else. */
function drawsRoutedOutputs(context: IExecuteFunctions): boolean {
	const drawn =
		typeof context.getNodeOutputs === 'function'
			? context.getNodeOutputs()
			: configuredOutputs(context.getNode().parameters);
	const mainOutputs = drawn.filter((output) => {
		const { type, category } = output as { type?: string; category?: string };
		return (typeof output === 'string' ? output : type) === 'main' && category !== 'error';
	});
	return mainOutputs.length === 3;
}

/**
 * Retry On Fail and loops run the node again in the same execution: answers are remembered per
 * execution and node, and per API root. Without an execution id nothing is remembered.
 */
function ledgerScope(context: IExecuteFunctions, baseUrl: string): string | undefined {
	const executionId = context.getExecutionId?.();
	if (typeof executionId !== 'string' && typeof executionId !== 'number') return undefined;
	if (String(executionId) === '') return undefined;
	const node = context.getNode();
	return `${String(executionId)}\u0000${node.id ?? node.name}\u0000${baseUrl}`;
}
