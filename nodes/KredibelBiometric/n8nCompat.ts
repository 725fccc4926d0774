/**
 * Every place where the node works around a particular n8n version, or a context that lacks
 * something a current n8n has, in one file: each entry says which version and why. The rooms
 * never see n8n's differences: the node file and the per-item step take what they need from here
 * and hand the rooms plain values (a signal, a set of helpers, a request function).
 *
 * The versions tested are pinned in test/e2e/harness/versions.ts (1.81.4, 1.123.81, 2.41.1).
 * The helpers below marked "checked before use" exist on all three in a node's execution
 * context; they are still checked, because a context that is not n8n's own execution context
 * (the bench's, an embedding) may lack them, and the node must then run without, not crash.
 */
import {
	NodeConnectionTypes,
	type DeduplicationHelperFunctions,
	type IExecuteFunctions,
} from 'n8n-workflow';

import { causeChain, type SendRequest } from './common';

/**
 * n8n-workflow exports NodeConnectionTypes from 1.83 (n8n 1.85) on. In n8n 1.80 to 1.84 it is
 * undefined at run time, and a connection type is the plain string it stands for.
 */
export const MAIN_CONNECTION = NodeConnectionTypes?.Main ?? 'main';

/**
 * The outputs n8n drew for the node. Checked before use; without it the node's own outputs
 * expression is evaluated on its parameters instead, which is what n8n draws from.
 */
export function drawnOutputs(context: IExecuteFunctions, configured: () => unknown[]): unknown[] {
	return typeof context.getNodeOutputs === 'function' ? context.getNodeOutputs() : configured();
}

/** The execution's id as text, or '' where the context gives none. Checked before use. */
export function executionIdText(context: IExecuteFunctions): string {
	const executionId = context.getExecutionId?.();
	return typeof executionId === 'string' || typeof executionId === 'number'
		? String(executionId)
		: '';
}

/** The signal n8n fires when the execution is stopped, if the context has one. Checked before use. */
export function executionCancelSignal(context: IExecuteFunctions): AbortSignal | undefined {
	return context.getExecutionCancelSignal?.();
}

type DeduplicationHelpers = Pick<
	DeduplicationHelperFunctions,
	'checkProcessedAndRecord' | 'removeProcessed'
>;

/**
 * n8n's deduplication store (the one Remove Duplicates uses), or undefined where the context does
 * not offer both helpers: the node then relies on its process memory alone. Checked before use.
 */
export function deduplicationHelpers(context: IExecuteFunctions): DeduplicationHelpers | undefined {
	const helpers = context.helpers as Partial<DeduplicationHelpers> | undefined;
	if (
		typeof helpers?.checkProcessedAndRecord !== 'function' ||
		typeof helpers.removeProcessed !== 'function'
	) {
		return undefined;
	}
	return helpers as DeduplicationHelpers;
}

type StoredBinaryHelpers = Partial<
	Pick<IExecuteFunctions['helpers'], 'getBinaryMetadata' | 'getBinaryStream'>
>;

/**
 * The helpers that read stored binary data by size and as a stream, each left out where the
 * context lacks it (the binary reader then reads with `getBinaryDataBuffer`). Checked before use.
 */
export function storedBinaryHelpers(context: IExecuteFunctions): StoredBinaryHelpers {
	const helpers = context.helpers as StoredBinaryHelpers;
	return {
		getBinaryMetadata:
			typeof helpers.getBinaryMetadata === 'function' ? helpers.getBinaryMetadata : undefined,
		getBinaryStream:
			typeof helpers.getBinaryStream === 'function' ? helpers.getBinaryStream : undefined,
	};
}

/** A network code such as ECONNREFUSED or CERT_HAS_EXPIRED, never an HTTP status such as "404". */
const NAMED_CODE = /^[A-Z][A-Z0-9_]{2,63}$/;

/**
 * n8n 1.123's NodeApiError keeps no `cause`: the HTTP client's code (ECONNREFUSED, ...) is only in
 * its `httpCode` there, where other versions put an HTTP status. When such a code comes before
 * any `code` in the error's chain, the error is passed on with it where every version has it
 * (`code`), the original as its `cause` and the same message, so the one network-error reader
 * (common/networkError.ts) needs no version.
 */
function withNetworkCode(error: unknown): unknown {
	for (const link of causeChain(error)) {
		const { code, httpCode } = link as { code?: unknown; httpCode?: unknown };
		if (typeof code === 'string' && code !== '') return error;
		if (typeof httpCode === 'string' && NAMED_CODE.test(httpCode)) {
			const { message } = error as { message?: unknown };
			return Object.assign(new Error(typeof message === 'string' ? message : httpCode), {
				code: httpCode,
				cause: error,
			});
		}
	}
	return error;
}

function rethrowWithNetworkCode(error: unknown): never {
	throw withNetworkCode(error);
}

/** `helpers.httpRequest` (no credential), for image downloads. */
export function plainRequests(context: IExecuteFunctions): SendRequest {
	return async (request) =>
		await context.helpers.httpRequest(request).catch(rethrowWithNetworkCode);
}

/** `helpers.httpRequestWithAuthentication` with `credential`, for Kredibel's API. */
export function authenticatedRequests(context: IExecuteFunctions, credential: string): SendRequest {
	return async (request) =>
		await context.helpers.httpRequestWithAuthentication
			.call(context, credential, request)
			.catch(rethrowWithNetworkCode);
}
