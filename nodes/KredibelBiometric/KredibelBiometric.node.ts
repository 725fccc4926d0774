import {
	NodeConnectionTypes,
	NodeOperationError,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { resolveBaseUrl } from '../../credentials/kredibelEnvironments';
import { nodeProperties } from './description';
import { localFailure } from './failure';
import { readConcurrency } from './itemSettings';
import { buildOutputs, toNodeError, type FailedOutcome } from './outputs';
import { mapInOrder } from './pool';
import { CREDENTIAL_NAME } from './transport';
import { verifyItem, type ItemOutcome } from './verifyItem';

/**
 * n8n-workflow exports NodeConnectionTypes from 1.83 (n8n 1.85) on. In n8n 1.80 to 1.84 it is
 * undefined at run time, and a connection type is the plain string it stands for.
 */
const MAIN_CONNECTION = NodeConnectionTypes?.Main ?? 'main';

/**
 * One output, or three named ones with Route by Result. Evaluated by n8n on the node's
 * parameters, as its Switch node does, so it is written as plain JavaScript.
 */
function configuredOutputs(parameters: { routeByResult?: boolean }) {
	if (!parameters.routeByResult) return [{ type: 'main' }];
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
		outputs: `={{(${configuredOutputs})($parameter)}}`,
		credentials: [{ name: CREDENTIAL_NAME, required: true }],
		properties: nodeProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const node = this.getNode();
		const continueOnFail = this.continueOnFail();
		const routeByResult = this.getNodeParameter('routeByResult', 0, false) === true;

		let outcomes: ItemOutcome[];
		try {
			outcomes = await verifyAll(this, items);
		} catch (error) {
			// With "continue on fail" n8n would send the untouched input down output 0 (Match, when
			// routing) if this threw; so a failure around the loop fails every item instead.
			if (!continueOnFail) throw new NodeOperationError(node, error as Error);
			const reason = error instanceof Error ? error.message : String(error);
			const failure = localFailure(
				'configuration_error',
				reason,
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
		return buildOutputs(node, outcomes, routeByResult);
	}
}

async function verifyAll(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<ItemOutcome[]> {
	const credentials = await context.getCredentials(CREDENTIAL_NAME);
	const baseUrl = resolveBaseUrl(credentials);
	const cancelSignal = context.getExecutionCancelSignal?.();
	const continueOnFail = context.continueOnFail();
	let failed = false;
	const isCancelled = () => cancelSignal?.aborted === true;

	return mapInOrder(
		items.length,
		async (itemIndex) => {
			const outcome = await verifyItem(context, items[itemIndex], itemIndex, {
				baseUrl,
				isCancelled,
			});
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
