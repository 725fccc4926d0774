/**
 * Builds what the node returns: one output, or No Verdict / Match / No Match / Invalid Identity,
 * with every input item coming out exactly once, paired with itself, in input order within each
 * output; and the error n8n throws for a failed item. This is where items and errors leave the
 * node, so Mask NIK is applied here, to everything they carry, and nowhere else.
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
import type { FailedOutcome, ItemOutcome } from './itemOutcome';
import { redactNik } from './masking';
import { maskNik } from './nik';

/**
 * Mask NIK reaches every copy of the number: Kredibel's messages, validation errors and raw
 * answer, the node's own messages (an image URL can hold the NIK too), the photo record, and
 * `identityId` (for a parameter that is no NIK, the text given is starred).
 */
function leavingNode<T extends ItemOutcome>(outcome: T): T {
	const { nik } = outcome;
	if (!nik.mask) return outcome;
	const shown = { ...nik, shown: nik.shown === null ? null : maskNik(nik.shown) };
	if (outcome.ok) return { ...outcome, json: redactNik(outcome.json, nik.sent), nik: shown };
	return {
		...outcome,
		failure: redactNik(outcome.failure, nik.sent),
		raw: outcome.raw === undefined ? undefined : redactNik(outcome.raw, nik.sent),
		nik: shown,
	};
}

/**
 * "[item 3] The NIK has 15 digits instead of 16": n8n numbers items from 0 as well. After
 * retries it says how many attempts were made, so nobody retries by hand what already was.
 */
function itemMessage(itemIndex: number, outcome: FailedOutcome): string {
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
	return nodeErrorOf(node, itemIndex, leavingNode(outcome));
}

/** The error for an outcome Mask NIK was already applied to. */
function nodeErrorOf(
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
		identityId: outcome.nik.shown,
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
function toErrorItem(node: INode, itemIndex: number, outcome: FailedOutcome): INodeExecutionData {
	const json: IDataObject = {
		error: itemMessage(itemIndex, outcome),
		description: outcome.failure.hint,
		...toErrorDetails(outcome),
	};
	if (outcome.raw !== undefined) json.raw = outcome.raw;
	const item: INodeExecutionData = { json, pairedItem: { item: itemIndex } };
	if (node.onError === 'continueErrorOutput') {
		Object.defineProperty(item, 'error', {
			value: nodeErrorOf(node, itemIndex, outcome),
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
	outcomes.forEach((unmasked, itemIndex) => {
		const outcome = leavingNode(unmasked);
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
