/**
 * Settings the node refuses to run with, because n8n would otherwise send something down Match
 * that Kredibel did not match. Each is refused before any request, in a way that leaves Match
 * empty in every On Error mode:
 * - Always Output Data with Route by Result: whenever Match is empty, n8n puts one empty item
 *   there, paired with every input item, even when other outputs hold items; the approve branch
 *   would run, and `$('Webhook').item` after it would be an applicant Kredibel did not match.
 * - Route by Result given as an expression (or any value but on/off): n8n decides the outputs
 *   from the parameter before expressions run (2.x and 1.123 from its text, so one output; 1.81
 *   from its value). A workflow wired for three outputs would then send every result, no-matches
 *   and failures included, down the one output still connected: the one wired to approve.
 */
import { NodeOperationError, type IExecuteFunctions, type INode } from 'n8n-workflow';

import { quoteValue } from './echo';

export interface Refusal {
	message: string;
	description: string;
}

export const ALWAYS_OUTPUT_DATA_REFUSAL: Refusal = {
	message: 'Always Output Data cannot be used with Route by Result',
	description:
		"With Always Output Data on, n8n puts an empty item on the first output (Match) whenever no applicant matched, so the approve branch would run for someone Kredibel did not match. Turn off Always Output Data in this node's Settings, or turn off Route by Result and check the result field in an If node. No request was sent.",
};

/**
 * Route by Result as the user set it, before n8n evaluates anything: on, off, or refused.
 * `true`/`false`, missing, and the text "true"/"false" of a hand-edited workflow are plain.
 */
export function checkRouteByResult(raw: unknown): Refusal | undefined {
	if (raw === undefined || typeof raw === 'boolean') return undefined;
	if (typeof raw === 'string' && ['true', 'false'].includes(raw.trim().toLowerCase())) {
		return undefined;
	}
	// n8n may hand the node the expression's text with or without its leading "=".
	const isExpression = typeof raw === 'string' && (raw.startsWith('=') || raw.includes('{{'));
	return {
		message: isExpression
			? 'Route by Result cannot be an expression'
			: `Route by Result must be on or off, got ${quoteValue(raw)}`,
		description:
			"n8n decides how many outputs the node has before any expression runs, so with an expression the outputs drawn and the results would not agree, and no-matches could leave by the output wired to approve. Set Route by Result to on or off (it is off in the node's parameters when it shows no toggle). No request was sent.",
	};
}

/** How often n8n calls execute() for one run: Retry On Fail's tries, clamped as n8n clamps them. */
function triesPerRun(node: INode): number {
	if (node.retryOnFail !== true) return 1;
	return Math.min(5, Math.max(2, node.maxTries || 3));
}

/** Calls seen per run; n8n keeps one execute-data object per run of a node, across its retries. */
const callsPerRun = new WeakMap<object, number>();

/**
 * The error to throw. When the node continues on error, n8n answers a thrown error by sending the
 * run's input items down output 0, which is Match; so on the last try the run's input is emptied
 * first (the input items themselves, which other nodes read, are left untouched). Emptying it
 * earlier would make n8n skip the next try's execute() and treat it as a success with no output,
 * which is exactly when Always Output Data adds its empty item.
 */
export function refuseRun(
	context: IExecuteFunctions,
	continueOnFail: boolean,
	refusal: Refusal,
): NodeOperationError {
	const node = context.getNode();
	if (continueOnFail) {
		const run = context.getExecuteData?.();
		if (run?.data?.main) {
			const calls = (callsPerRun.get(run) ?? 0) + 1;
			callsPerRun.set(run, calls);
			if (calls >= triesPerRun(node)) run.data.main[0] = [];
		}
	}
	return new NodeOperationError(node, refusal.message, { description: refusal.description });
}
