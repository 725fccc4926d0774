/**
 * The node as an AI agent tool (AI Agent, MCP Server Trigger). n8n wraps every `usableAsTool`
 * node into a `<name>Tool` variant, calls `execute()` with one item holding the model's
 * arguments, and hands the model `JSON.stringify` of output 0's item JSON; a thrown error ends
 * the call as an error instead. So in tool mode the node answers on one output, never throws, and
 * gives the model a short JSON it can act on. What the model reads about the tool is declared
 * here too; the parameters hidden in tool mode say so themselves (`hide: { '@tool': [true] }`).
 * A failed image link reads the same to the model whatever happened, and takes the same time.
 */
import {
	sleep,
	type IDataObject,
	type INode,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

/**
 * Written for a model: when to call, that it costs money, what comes back and how to read it.
 * n8n gives it to the model as the tool's description (see `toolDescriptionProperty`).
 */
export const TOOL_DESCRIPTION = [
	"Verify a person's identity (Indonesian eKYC): checks with Kredibel whether a selfie shows the same person as the civil registry (Dukcapil) photo registered for a 16-digit NIK.",
	'Each call is charged by Kredibel, also when no face is found: call it once per person and selfie, and do not call it again with the same NIK and selfie.',
	'Returns JSON: "result" is "match" (same person; the only result that confirms the identity), "no_match" (a different face), "identity_invalid" (the NIK is not in the registry) or "identity_inactive"; "faceSimilarity" is 0 to 1 or null; "message" is Kredibel\'s note.',
	'When the check could not be made, "result" is "error", "errorType" says why (for example invalid_identity_id, image_download_failed, no_face_detected), "message" what happened, "whatToDo" how to fix it, and "charged" whether Kredibel billed the call (true, false or "unknown").',
].join(' ');

/**
 * The tool's description, as a parameter of the tool variant only. n8n adds a "Description"
 * parameter of its own when a node has none; its default is the node's `description`, which is
 * written for people in the node panel. With this one, the default the model reads is
 * `TOOL_DESCRIPTION`, both in the editor and when the workflow runs, and users can still edit it.
 */
export const toolDescriptionProperty: INodeProperties = {
	displayName: 'Tool Description',
	name: 'toolDescription',
	type: 'string',
	default: TOOL_DESCRIPTION,
	required: true,
	typeOptions: { rows: 4 },
	displayOptions: { show: { '@tool': [true] } },
	description:
		'What the AI model reads about this tool. Keep the warning that every call is charged.',
};

/**
 * What a model is told about any failed Image URL, whatever happened: which failure it was
 * (refused, closed port, 404, 401, timeout, an HTML page) would let whoever drives the model map
 * the network the n8n host sits in, and the image host's own words could talk to the model.
 */
export const TOOL_DOWNLOAD_FAILED_REASON = 'The image could not be downloaded from the given URL.';
export const TOOL_DOWNLOAD_FAILED_HINT =
	'Ask the user for a public https link to a JPEG or PNG selfie, then call the tool again with it.';

/**
 * As a tool, a failed image link answers no sooner than this after its download began, whatever
 * happened: a closed port (refused at once), a 404 or an HTML page (a few milliseconds), a 503
 * (retried, outside tool mode) would otherwise tell apart by their timing what the one text
 * hides. Longer than any of those takes; a failure that takes longer still (a host that holds
 * the connection, up to the download's timeout) answers when it ends (docs/ai-agent.md).
 */
export const TOOL_FAILURE_MIN_MS = 1_000;

/** The clock tool-mode timing reads and waits with (`sleep` from n8n-workflow); tests replace it. */
export const toolClock = {
	now: (): number => Date.now(),
	sleep: async (ms: number): Promise<void> => await sleep(ms),
};

/** Waits until TOOL_FAILURE_MIN_MS have passed since `startedAt` (from `toolClock.now()`). */
export async function waitForToolFailureTime(startedAt: number): Promise<void> {
	const remaining = TOOL_FAILURE_MIN_MS - (toolClock.now() - startedAt);
	if (remaining > 0) await toolClock.sleep(remaining);
}

/** n8n names the tool variant of a node type after it, with `Tool` appended. */
export function isToolMode(node: Pick<INode, 'type'>): boolean {
	return node.type.endsWith('Tool');
}

/** The `[item 0] ` prefix of item errors means nothing to a model that made one call. */
const ITEM_PREFIX = /^\[item \d+\] /;

/**
 * The answer a model gets for one item, from the JSON the node puts on its output (a verdict
 * or an error item, already masked if Mask NIK is on). It does not repeat the NIK: the model
 * sent it, and each copy is one more place it passes through.
 */
export function toToolJson(json: IDataObject): IDataObject {
	if (typeof json.errorType === 'string') {
		const error = typeof json.error === 'string' ? json.error : String(json.errorType);
		return {
			result: 'error',
			errorType: json.errorType,
			message: error.replace(ITEM_PREFIX, ''),
			whatToDo: json.description ?? null,
			charged: json.charged ?? 'unknown',
		};
	}
	return {
		result: json.result ?? null,
		faceSimilarity: json.faceSimilarity ?? null,
		message: json.message ?? null,
	};
}

/**
 * Output 0 in tool mode: one compact item per input item, paired as before, without binary data
 * (n8n drops it from a tool's answer anyway, with a warning in its log).
 */
export function toToolItems(items: INodeExecutionData[]): INodeExecutionData[] {
	return items.map((item) => ({ json: toToolJson(item.json), pairedItem: item.pairedItem }));
}
