/** Small pieces of plain `node:http` plumbing shared by the API and the control endpoints. */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

export interface ReadBody {
	/** The body, or empty when it was larger than the limit. */
	body: Buffer;
	tooLarge: boolean;
}

/**
 * Reads the whole body but keeps at most `limit` bytes. An oversized body is still drained
 * rather than cut off, so the client receives the 413 instead of a broken pipe halfway through
 * its upload. Rejects when the client goes away mid-body.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<ReadBody> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req) {
		const buffer = chunk as Buffer;
		size += buffer.length;
		if (size <= limit) chunks.push(buffer);
	}
	if (size > limit) return { body: Buffer.alloc(0), tooLarge: true };
	return { body: Buffer.concat(chunks), tooLarge: false };
}

export function sendJson(
	res: ServerResponse,
	status: number,
	body: unknown,
	headers: OutgoingHttpHeaders = {},
): void {
	sendText(res, status, JSON.stringify(body), 'application/json', headers);
}

export function sendText(
	res: ServerResponse,
	status: number,
	text: string,
	contentType: string,
	headers: OutgoingHttpHeaders = {},
): void {
	// Writing to a response whose client already left is harmless in Node; checking first keeps
	// the intent visible (a timed-out client gets nothing, but the sandbox still finished).
	if (res.writableEnded || res.destroyed) return;
	const payload = Buffer.from(text, 'utf8');
	res.writeHead(status, {
		'Content-Type': contentType,
		'Content-Length': payload.length,
		...headers,
	});
	res.end(payload);
}

/** Waits `ms`, or rejects early when `signal` aborts (the sandbox is closing). */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
	if (ms <= 0) return;
	await delay(ms, undefined, { signal });
}
