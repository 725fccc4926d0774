/**
 * Route by Result cannot be combined with the node setting Always Output Data. Whenever the Match
 * output is empty, n8n puts one empty item there, paired with every input item, even when the
 * other outputs hold items: the approve branch would run, and `$('Webhook').item` after it would
 * be an applicant Kredibel did not match. The node's outputs cannot depend on a node setting, so
 * the combination is refused, before any request, in a way that leaves Match empty in every mode.
 */
import { NodeOperationError, type IExecuteFunctions, type INode } from 'n8n-workflow';

const REFUSAL = 'Always Output Data cannot be used with Route by Result';
const WHY =
	"With Always Output Data on, n8n puts an empty item on the first output (Match) whenever no applicant matched, so the approve branch would run for someone Kredibel did not match. Turn off Always Output Data in this node's Settings, or turn off Route by Result and check the result field in an If node. No request was sent.";

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
export function refuseAlwaysOutputData(
	context: IExecuteFunctions,
	continueOnFail: boolean,
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
	return new NodeOperationError(node, REFUSAL, { description: WHY });
}
