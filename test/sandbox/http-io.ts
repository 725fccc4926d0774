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

/**
 * Sends `head`, then `fill` repeated up to `fillBytes` bytes, then `tail`, without holding the
 * whole body in memory, and stops early when the client goes away (a client that refuses a
 * huge answer should not keep the sandbox writing).
 */
export async function sendRepeated(
	res: ServerResponse,
	status: number,
	contentType: string,
	parts: { head: string; fill: string; fillBytes: number; tail: string },
): Promise<void> {
	if (res.writableEnded || res.destroyed) return;
	const total = Buffer.byteLength(parts.head) + parts.fillBytes + Buffer.byteLength(parts.tail);
	res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': total });
	const block = Buffer.from(parts.fill.repeat(Math.ceil((64 * 1024) / parts.fill.length)));
	const closed = new Promise<void>((resolve) => res.once('close', resolve));
	const write = async (chunk: Buffer | string): Promise<boolean> => {
		if (res.destroyed) return false;
		if (!res.write(chunk)) {
			await Promise.race([new Promise((resolve) => res.once('drain', resolve)), closed]);
		}
		return !res.destroyed;
	};
	if (!(await write(parts.head))) return;
	for (let left = parts.fillBytes; left > 0; left -= block.length) {
		if (!(await write(left >= block.length ? block : block.subarray(0, left)))) return;
	}
	res.end(parts.tail);
}
