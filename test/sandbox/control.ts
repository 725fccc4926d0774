/**
 * The control API under `/__sandbox/`, for processes that cannot call the Sandbox object: the
 * demo, an n8n instance under test in another process, or a person with curl. No API key, so
 * that controlling the sandbox never gets confused with testing the node's authentication.
 * These requests are not logged and get no latency.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { FaultConfigError, type ChaosOptions, type FaultRule } from './faults';
import { readBody, sendJson, type ReadBody } from './http-io';
import { serializeLogEntry } from './request-log';
import type { Sandbox } from './server';

export const CONTROL_PREFIX = '/__sandbox';

/** Fault rules and settings are small; anything bigger is a mistake. */
const MAX_CONTROL_BODY_BYTES = 64 * 1024;

type ControlAnswer = { status: number; body: unknown };
type ControlHandler = (sandbox: Sandbox, body: unknown) => ControlAnswer;

const ok = (body: unknown): ControlAnswer => ({ status: 200, body });

const CONTROL_ROUTES: Record<string, Record<string, ControlHandler>> = {
	[`${CONTROL_PREFIX}/requests`]: {
		GET: (sandbox) =>
			ok(sandbox.requests().map((entry) => serializeLogEntry(entry, sandbox.apiKey))),
	},
	[`${CONTROL_PREFIX}/charges`]: {
		GET: (sandbox) => ok(sandbox.charges()),
	},
	[`${CONTROL_PREFIX}/faults`]: {
		GET: (sandbox) => ok({ rules: sandbox.faultRules(), chaos: sandbox.chaosState() }),
		POST: (sandbox, body) => {
			sandbox.addFault(body as FaultRule); // validated by addFault
			return { status: 201, body: { rules: sandbox.faultRules() } };
		},
		DELETE: (sandbox) => {
			sandbox.clearFaults();
			return ok({ rules: sandbox.faultRules(), chaos: sandbox.chaosState() });
		},
	},
	[`${CONTROL_PREFIX}/chaos`]: {
		POST: (sandbox, body) => {
			sandbox.setChaos(body as ChaosOptions); // validated by setChaos
			return ok({ chaos: sandbox.chaosState() });
		},
		DELETE: (sandbox) => {
			sandbox.setChaos(null);
			return ok({ chaos: null });
		},
	},
	[`${CONTROL_PREFIX}/latency`]: {
		POST: (sandbox, body) => {
			const ms = (body as { ms?: unknown } | undefined)?.ms;
			sandbox.setLatency(ms as number); // validated by setLatency
			return ok({ latencyMs: sandbox.stats().latencyMs });
		},
	},
	[`${CONTROL_PREFIX}/reset`]: {
		POST: (sandbox) => {
			sandbox.reset();
			return ok({ message: 'Log, counters and faults cleared.' });
		},
	},
	[`${CONTROL_PREFIX}/stats`]: {
		GET: (sandbox) => ok(sandbox.stats()),
	},
};

export async function handleControlRequest(
	req: IncomingMessage,
	res: ServerResponse,
	path: string,
	sandbox: Sandbox,
): Promise<void> {
	const methods = CONTROL_ROUTES[path];
	if (!methods) {
		return sendJson(res, 404, {
			message: `Not found. Control endpoints: ${Object.keys(CONTROL_ROUTES).join(', ')}.`,
		});
	}
	const handler = methods[req.method ?? ''];
	if (!handler) {
		return sendJson(
			res,
			405,
			{ message: 'Method not allowed.' },
			{
				Allow: Object.keys(methods).join(', '),
			},
		);
	}

	let read: ReadBody;
	try {
		read = await readBody(req, MAX_CONTROL_BODY_BYTES);
	} catch {
		return; // the client went away mid-body
	}
	if (read.tooLarge) return sendJson(res, 413, { message: 'Request entity too large.' });
	let body: unknown;
	if (read.body.length > 0) {
		try {
			body = JSON.parse(read.body.toString('utf8'));
		} catch (error) {
			return sendJson(res, 400, { message: `Body is not JSON: ${(error as Error).message}` });
		}
	}

	try {
		const answer = handler(sandbox, body);
		sendJson(res, answer.status, answer.body);
	} catch (error) {
		if (error instanceof FaultConfigError || error instanceof RangeError) {
			return sendJson(res, 400, { message: error.message });
		}
		throw error;
	}
}
