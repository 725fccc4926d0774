/**
 * n8n's REST API as the editor uses it, signed in as the owner (`setupOwner`): JSON calls, an
 * execution waited for until n8n has recorded it as over, and its run data read back. The same
 * in every pinned version, apart from what each version wants in a body (see the callers).
 */
import type { N8nServer } from './n8nServer';

const EXECUTION_TIMEOUT_MS = 120_000;

export interface ExecutionRecord {
	id: string;
	mode: string;
	status: string;
	retryOf?: string | null;
	/** The run data in n8n's `flatted` format (GET /rest/executions/:id only). */
	data?: string;
}

/** The run data of an execution, as `runData(execution)` reads it. */
export interface RunData {
	resultData: {
		error?: { message?: string };
		runData: Record<
			string,
			Array<{
				error?: { message?: string };
				data?: { main: Array<Array<{ json: Record<string, unknown> }> | null> };
			}>
		>;
	};
}

/** A REST call as the owner; returns the answer's `data`, throws on a non-2XX status. */
export async function rest<T>(
	server: N8nServer,
	cookie: string,
	method: 'GET' | 'POST',
	route: string,
	body?: unknown,
): Promise<T> {
	const response = await fetch(`${server.url}/rest${route}`, {
		method,
		headers: { cookie, 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await response.text();
	if (!response.ok) throw new Error(`${method} /rest${route}: HTTP ${response.status} ${text}`);
	return (JSON.parse(text) as { data: T }).data;
}

/** The executions list of one workflow, newest first, as the editor shows it. */
export async function listExecutions(
	server: N8nServer,
	cookie: string,
	workflowId: string,
): Promise<ExecutionRecord[]> {
	const filter = encodeURIComponent(JSON.stringify({ workflowId }));
	const list = await rest<{ results: ExecutionRecord[] }>(
		server,
		cookie,
		'GET',
		`/executions?filter=${filter}`,
	);
	return list.results;
}

/** Polls until `find` picks an execution from the workflow's list; throws after two minutes. */
export async function waitForListedExecution(
	server: N8nServer,
	cookie: string,
	workflowId: string,
	find: (execution: ExecutionRecord) => boolean,
): Promise<ExecutionRecord> {
	const deadline = Date.now() + EXECUTION_TIMEOUT_MS;
	for (;;) {
		const found = (await listExecutions(server, cookie, workflowId)).find(find);
		if (found) return found;
		if (Date.now() > deadline) throw new Error(`no such execution of workflow ${workflowId}`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

/** Polls the execution until n8n has recorded it as over; returns it with its run data. */
export async function finishedExecution(
	server: N8nServer,
	cookie: string,
	executionId: string,
): Promise<ExecutionRecord> {
	const deadline = Date.now() + EXECUTION_TIMEOUT_MS;
	for (;;) {
		const execution = await rest<ExecutionRecord>(
			server,
			cookie,
			'GET',
			`/executions/${executionId}`,
		);
		if (!['new', 'running', 'waiting'].includes(execution.status)) return execution;
		if (Date.now() > deadline) {
			throw new Error(`execution ${executionId} is still "${execution.status}"`);
		}
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

/** The run data of a finished execution from `finishedExecution`. */
export function runData(execution: ExecutionRecord): RunData {
	return unflatten(execution.data ?? '[{"resultData":"1"},{"runData":"2"},{}]') as RunData;
}

/**
 * n8n stores run data in the `flatted` format: a JSON array whose first entry is the root, in
 * which every string and object is replaced by the (string) index of its entry.
 */
export function unflatten(text: string): unknown {
	const entries = JSON.parse(text) as unknown[];
	const resolved = new Map<number, unknown>();
	const resolve = (index: number): unknown => {
		if (resolved.has(index)) return resolved.get(index);
		const entry = entries[index];
		if (typeof entry !== 'object' || entry === null) {
			resolved.set(index, entry);
			return entry;
		}
		const copy: Record<string, unknown> | unknown[] = Array.isArray(entry) ? [] : {};
		resolved.set(index, copy);
		for (const [key, value] of Object.entries(entry)) {
			(copy as Record<string, unknown>)[key] = typeof value === 'string' ? resolve(+value) : value;
		}
		return copy;
	};
	return resolve(0);
}
