/**
 * What a workflow run produced, read from the JSON n8n prints (`n8n execute`) or saves
 * (`n8n execute-batch --snapshot`), and typed helpers for what tests look at: each node's
 * output items per output index, and the errors.
 */

export type PairedItem = { item: number; input?: number } | number;

export interface BinaryData {
	data: string;
	mimeType: string;
	fileName?: string;
	fileExtension?: string;
	fileSize?: string;
	id?: string;
	[key: string]: unknown;
}

export interface OutputItem {
	json: Record<string, unknown>;
	pairedItem?: PairedItem | PairedItem[];
	binary?: Record<string, BinaryData>;
	/** Present on items a node sent down its error output with an error object attached. */
	error?: unknown;
}

/** n8n's serialized error; which fields exist depends on the error class and n8n version. */
export interface ExecutionError {
	message: string;
	description?: string | null;
	/** The error class (2.x only; 1.x omits it). */
	name?: string;
	node?: { name: string; type: string; [key: string]: unknown };
	httpCode?: string | null;
	stack?: string;
	[key: string]: unknown;
}

/** One run of one node (`runData[node][runIndex]`). */
export interface NodeRun {
	startTime: number;
	executionTime: number;
	executionStatus?: string;
	source: Array<{ previousNode: string; previousNodeOutput?: number } | null>;
	/** `main[outputIndex]` is that output's items (null when the output carried nothing). */
	data?: { main: Array<OutputItem[] | null> };
	error?: ExecutionError;
	hints?: Array<{ message: string; [key: string]: unknown }>;
}

/** The run as n8n serializes it (`IRun`), reduced to what tests read. */
export interface RawExecution {
	status: string;
	finished?: boolean;
	mode: string;
	startedAt: string;
	stoppedAt?: string;
	data: {
		resultData: {
			runData: Record<string, NodeRun[]>;
			error?: ExecutionError;
			lastNodeExecuted?: string;
		};
	};
}

export interface ExecutionResult {
	workflowId: string;
	/** `success` or `error` (n8n's own status; `finished` alone is absent on failures). */
	status: string;
	/** Why the execution stopped, when it failed (`resultData.error`). */
	error?: ExecutionError;
	runData: Record<string, NodeRun[]>;
	lastNodeExecuted?: string;
	/** n8n's log lines around the JSON (start-up notes, warnings, the error trace). */
	log: string;
	raw: RawExecution;
}

export function toExecutionResult(
	workflowId: string,
	raw: RawExecution,
	log: string,
): ExecutionResult {
	const { resultData } = raw.data;
	// n8n 1.8x prints the run before it updates its status, which still says "running": the
	// error, or `finished`, tells how it ended.
	const ended = resultData.error ? 'error' : raw.finished === true ? 'success' : raw.status;
	const status = raw.status === 'running' ? ended : raw.status;
	return {
		workflowId,
		status,
		error: resultData.error,
		runData: resultData.runData,
		lastNodeExecuted: resultData.lastNodeExecuted,
		log,
		raw,
	};
}

/**
 * `n8n execute --rawOutput` prints log lines (on stdout, in both 1.x and 2.x), then the run
 * pretty-printed by `JSON.stringify(run, null, 2)`, then, on failure, more log lines. The JSON
 * therefore starts at a line that is exactly `{` and ends at the next line that is exactly `}`:
 * every line in between is indented. On failure n8n prints it through its logger at level
 * info, which is why the runs keep N8N_LOG_LEVEL=info.
 */
export function parseExecuteOutput(
	workflowId: string,
	output: string,
): ExecutionResult | undefined {
	const lines = output.split(/\r?\n/);
	const start = lines.indexOf('{');
	const end = start === -1 ? -1 : lines.indexOf('}', start);
	if (end === -1) return undefined;
	const raw = JSON.parse(lines.slice(start, end + 1).join('\n')) as RawExecution;
	const log = [...lines.slice(0, start), ...lines.slice(end + 1)].join('\n').trim();
	return toExecutionResult(workflowId, raw, log);
}

/**
 * The items a node emitted, per output index: `outputsOf(r, 'Kredibel')[1]` is output 1.
 * Outputs that carried nothing are empty arrays. Throws when the node did not run, naming the
 * nodes that did.
 */
export function outputsOf(result: ExecutionResult, nodeName: string, runIndex = 0): OutputItem[][] {
	const run = nodeRun(result, nodeName, runIndex);
	return (run.data?.main ?? []).map((items) => items ?? []);
}

/** The error a node failed with (when it stopped the workflow), if any. */
export function nodeErrorOf(
	result: ExecutionResult,
	nodeName: string,
	runIndex = 0,
): ExecutionError | undefined {
	return nodeRun(result, nodeName, runIndex).error;
}

export function nodeRun(result: ExecutionResult, nodeName: string, runIndex = 0): NodeRun {
	const runs = result.runData[nodeName];
	const run = runs?.[runIndex];
	if (!run) {
		const ran = Object.keys(result.runData).join(', ') || 'none';
		const why = result.error ? `; execution error: ${result.error.message}` : '';
		throw new Error(
			`node "${nodeName}" has no run ${runIndex} in workflow ${result.workflowId} (nodes that ran: ${ran}${why})`,
		);
	}
	return run;
}
