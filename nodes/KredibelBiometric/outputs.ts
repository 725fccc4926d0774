/**
 * Builds what the node returns: one output, or No Verdict / Match / No Match / Invalid Identity,
 * with every input item coming out exactly once, paired with itself, in input order within each
 * output.
 */
import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type INode,
	type INodeExecutionData,
	type JsonObject,
} from 'n8n-workflow';

import { OUTPUT, routeOf, type VerificationResult } from './kredibel';
import type { ItemOutcome } from './verifyItem';

export type FailedOutcome = Extract<ItemOutcome, { ok: false }>;

/**
 * "[item 3] The NIK has 15 digits instead of 16": n8n numbers items from 0 as well. After
 * retries it says how many attempts were made, so nobody retries by hand what already was.
 */
export function itemMessage(itemIndex: number, outcome: FailedOutcome): string {
	const retried = outcome.attempts > 1 ? ` (after ${outcome.attempts} attempts)` : '';
	return `[item ${itemIndex}] ${outcome.failure.reason}${retried}`;
}

/**
 * The error n8n shows (or throws) for a failed item. API failures carry only the fields read
 * from Kredibel's answer, never the HTTP client's error, which holds the request headers.
 */
export function toNodeError(
	node: INode,
	itemIndex: number,
	outcome: FailedOutcome,
): NodeApiError | NodeOperationError {
	const { failure } = outcome;
	const message = itemMessage(itemIndex, outcome);
	const error = failure.fromApi
		? new NodeApiError(node, toErrorDetails(outcome) as JsonObject, {
				message,
				description: failure.hint,
				httpCode: failure.httpCode === undefined ? undefined : String(failure.httpCode),
				itemIndex,
			})
		: new NodeOperationError(node, message, { description: failure.hint, itemIndex });
	Object.assign(error.context, toErrorDetails(outcome));
	return error;
}

function toErrorDetails(outcome: FailedOutcome): IDataObject {
	const { failure } = outcome;
	const details: IDataObject = {
		errorType: failure.errorType,
		errorId: failure.errorId ?? null,
		charged: failure.charged,
		httpCode: failure.httpCode ?? null,
		identityId: outcome.identityId,
		attempts: outcome.attempts,
		reused: outcome.reused === true,
	};
	if (failure.apiMessage !== undefined) details.apiMessage = failure.apiMessage;
	if (failure.fieldErrors !== undefined) details.fieldErrors = failure.fieldErrors;
	return details;
}

/**
 * A failed item for "continue on fail". With "Continue (using error output)" the error is also
 * set on the item itself: that is how n8n recognises the items to move to the error output. It
 * is not enumerable, so the moved copy keeps this JSON. With "Continue (regular output)" it is
 * left off: n8n replaces the JSON of any item carrying `error` with a bare {error: message}, and
 * the fields below are what later nodes need to decide.
 */
export function toErrorItem(
	node: INode,
	itemIndex: number,
	outcome: FailedOutcome,
): INodeExecutionData {
	const json: IDataObject = {
		error: itemMessage(itemIndex, outcome),
		description: outcome.failure.hint,
		...toErrorDetails(outcome),
	};
	if (outcome.raw !== undefined) json.raw = outcome.raw;
	const item: INodeExecutionData = { json, pairedItem: { item: itemIndex } };
	if (node.onError === 'continueErrorOutput') {
		Object.defineProperty(item, 'error', {
			value: toNodeError(node, itemIndex, outcome),
			enumerable: false,
			configurable: true,
			writable: true,
		});
	}
	return item;
}

export function buildOutputs(
	node: INode,
	outcomes: ItemOutcome[],
	routeByResult: boolean,
): INodeExecutionData[][] {
	const outputs: INodeExecutionData[][] = routeByResult ? [[], [], [], []] : [[]];
	outcomes.forEach((outcome, itemIndex) => {
		if (!outcome.ok) {
			// Kredibel decided nothing for a failed item: with routing it leaves by No Verdict (or
			// n8n moves it to the error output), never by Match, and it is not a rejection either.
			outputs[OUTPUT.noVerdict].push(toErrorItem(node, itemIndex, outcome));
			return;
		}
		const item: INodeExecutionData = { json: outcome.json, pairedItem: { item: itemIndex } };
		if (outcome.binary !== undefined) item.binary = outcome.binary;
		const output = routeByResult ? routeOf(outcome.json.result as VerificationResult) : 0;
		outputs[output].push(item);
	});
	return outputs;
}
