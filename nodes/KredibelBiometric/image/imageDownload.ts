/**
 * Downloads the selfie for Image Source: URL. Links come from forms, storage and AI agents, so
 * nothing about them is trusted: only http(s) is fetched, redirects are followed by hand (a few
 * at most, each one checked again, and each one passing through n8n's own outbound-request
 * policy where the instance has one), the whole download has a deadline, and reading stops as
 * soon as the body passes the size limit. The request goes through `helpers.httpRequest`, never
 * the authenticated helper, so no Kredibel credential or header can reach the image host.
 * Whoever picks the URL (an MCP client, an AI agent, a public webhook) must not be able to reach
 * the n8n host's own network through it: loopback, private and link-local addresses are refused
 * before any connection, on every hop, unless Allow Private Addresses is on; an https link is
 * never followed down to http; and what the image host says is cut short in messages.
 */
import type { IHttpRequestOptions } from 'n8n-workflow';

import {
	causeChain,
	cutText,
	type Failure,
	findCode,
	localFailure,
	networkFailureKind,
	type SendRequest,
} from '../common';
import { type BytesRead, formatKb, RESIZE_HINT } from './imageBytes';
import { privateHostKind } from './privateAddress';

/** Storage links redirect once or twice (a short link, a signed URL); more is a loop or a trap. */
export const MAX_IMAGE_REDIRECTS = 3;
/** Longer than any storage or signed link; refused before parsing. */
const MAX_IMAGE_URL_LENGTH = 8192;
/** How much of an address an error message shows. */
const SHOWN_ADDRESS_LENGTH = 60;
/** How much of an HTTP reason phrase an error message shows: the image host writes it. */
const SHOWN_STATUS_TEXT_LENGTH = 40;

const ALLOW_PRIVATE_HINT =
	'Use a public https link to the selfie. If the image really is on your own network (self-hosted storage), turn on the option Allow Private Addresses; leave it off where AI agents, MCP clients or public webhooks choose the link.';

const ACCEPT = 'image/jpeg, image/png, image/svg+xml, image/*;q=0.8, */*;q=0.1';

interface DownloadLimits {
	/** Reading stops, and the item is `image_too_large`, once the body passes this. */
	maxBytes: number;
	/** For the whole download, redirects included. */
	timeoutMs: number;
	maxRedirects?: number;
	/** Download from loopback, private, link-local and other non-public addresses too. */
	allowPrivateAddresses?: boolean;
	/** What an `image_too_large` failure tells the user to do (default: shrink it before the node). */
	tooLargeHint?: string;
	/** Fired when the execution is stopped: the download ends at once, as `cancelled`. */
	cancelSignal?: AbortSignal;
}

type ParsedAddress = { ok: true; url: URL } | { ok: false; failure: Failure };

interface HttpAnswer {
	statusCode: number;
	statusMessage?: string;
	headers?: Record<string, unknown>;
	body: unknown;
}

/** `send`: n8n's plain request helper (never the authenticated one), from n8nCompat.ts. */
export async function downloadImage(
	send: SendRequest,
	url: unknown,
	limits: DownloadLimits,
): Promise<BytesRead> {
	const allowPrivate = limits.allowPrivateAddresses === true;
	const parsed = checkImageAddress(url, allowPrivate);
	if (!parsed.ok) return parsed;
	const maxRedirects = limits.maxRedirects ?? MAX_IMAGE_REDIRECTS;
	const deadline = AbortSignal.timeout(limits.timeoutMs);
	const { cancelSignal } = limits;
	let address = parsed.url;
	const stopped = (): Failure | undefined =>
		cancelSignal?.aborted
			? localFailure(
					'cancelled',
					'The download was cancelled because the execution was stopped',
					'Run the workflow again.',
				)
			: deadline.aborted
				? timedOut(address, limits.timeoutMs)
				: undefined;

	for (let redirects = 0; ; redirects++) {
		// Each hop has its own abort, fired once its answer is done with: destroying the body
		// alone does not always close the connection (n8n 2.x's axios wraps an unread stream),
		// and an unread endless body must not keep the host writing.
		const hop = new AbortController();
		const signal = anySignal(
			cancelSignal ? [deadline, hop.signal, cancelSignal] : [deadline, hop.signal],
		);
		try {
			const step = await downloadHop(send, address, limits, signal);
			if (step.kind === 'done') return step.result;
			if (step.kind === 'failed') {
				return { ok: false, failure: stopped() ?? step.failure(address, limits.timeoutMs) };
			}
			const next = followRedirect(step.answer, address, redirects, maxRedirects, allowPrivate);
			if (!next.ok) return next;
			address = next.url;
		} finally {
			hop.abort();
		}
	}
}

/**
 * AbortSignal.any where Node has it (20.3+); n8n 1.x also ran on Node 18, where the signals are
 * joined by hand.
 */
function anySignal(signals: AbortSignal[]): AbortSignal {
	if (typeof AbortSignal.any === 'function') return AbortSignal.any(signals);
	const joined = new AbortController();
	for (const signal of signals) {
		if (signal.aborted) joined.abort();
		else signal.addEventListener('abort', () => joined.abort(), { once: true });
	}
	return joined.signal;
}

type HopStep =
	| { kind: 'done'; result: BytesRead }
	| { kind: 'redirect'; answer: HttpAnswer }
	| { kind: 'failed'; failure: (address: URL, timeoutMs: number) => Failure };

async function downloadHop(
	send: SendRequest,
	address: URL,
	limits: DownloadLimits,
	signal: AbortSignal,
): Promise<HopStep> {
	let answer: HttpAnswer;
	try {
		answer = (await send(requestFor(address, limits.timeoutMs, signal))) as HttpAnswer;
	} catch (error) {
		return {
			kind: 'failed',
			failure: (at, timeoutMs) => describeDownloadError(error, at, timeoutMs),
		};
	}
	const { statusCode } = answer;
	if (statusCode >= 300 && statusCode < 400) return { kind: 'redirect', answer };
	if (statusCode < 200 || statusCode >= 300) {
		return { kind: 'done', result: { ok: false, failure: statusFailure(answer, address) } };
	}
	const announced = announcedTooLarge(answer, address, limits.maxBytes, limits.tooLargeHint);
	if (announced) return { kind: 'done', result: { ok: false, failure: announced } };
	const read = await readAtMost(answer.body, limits.maxBytes, signal);
	// Cut by the deadline or a stopped execution; the caller says which.
	if (signal.aborted) return { kind: 'failed', failure: timedOut };
	if (read.ok) return { kind: 'done', result: read };
	if (read.tooLarge) {
		const reason = `The download from ${show(address)} passed the ${formatKb(limits.maxBytes)} KB limit and was stopped there`;
		return {
			kind: 'done',
			result: {
				ok: false,
				failure: localFailure('image_too_large', reason, limits.tooLargeHint ?? RESIZE_HINT),
			},
		};
	}
	const reason = `The image host cut the connection during the download from ${show(address)} (${codeOrMessage(read.error)})`;
	return {
		kind: 'done',
		result: {
			ok: false,
			failure: downloadFailed(
				reason,
				'Try again; if it keeps failing, check that the link opens in a browser.',
				true,
			),
		},
	};
}

/**
 * The address as it can be checked without a connection: http(s), and not private unless allowed.
 * Also run for every item before the first request when the workflow stops on error.
 */
export function checkImageAddress(value: unknown, allowPrivateAddresses: boolean): ParsedAddress {
	const parsed = parseImageUrl(value);
	if (!parsed.ok || allowPrivateAddresses) return parsed;
	const refused = refusePrivateHost(parsed.url);
	return refused ? { ok: false, failure: refused } : parsed;
}

/** Refuses anything but an absolute http(s) address, without echoing secrets the link holds. */
export function parseImageUrl(value: unknown): ParsedAddress {
	if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
		return {
			ok: false,
			failure: localFailure(
				'missing_image',
				'The Image URL field is empty',
				'Map it to the field that holds the http(s) link to the selfie.',
			),
		};
	}
	if (typeof value !== 'string') {
		return fail(
			`The Image URL is ${Array.isArray(value) ? 'a list' : `a ${typeof value}`}, not a text link`,
			'Map it to a field that holds one http(s) link as text.',
		);
	}
	const text = value.trim();
	if (text.length > MAX_IMAGE_URL_LENGTH) {
		return fail(
			`The Image URL is ${text.length} characters long, above the ${MAX_IMAGE_URL_LENGTH} allowed`,
			'Check the field mapped to Image URL: it should hold one link, not the image itself (for base64 text use Image Source: Base64).',
		);
	}
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		return fail(
			`The Image URL ${showText(text)} is not an absolute address`,
			'Use a full link that starts with https:// (or http://).',
		);
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:') {
		return fail(
			`The Image URL ${show(url)} uses the ${url.protocol} scheme; only http: and https: links are downloaded`,
			schemeHint(url.protocol),
		);
	}
	return { ok: true, url };
}

function schemeHint(protocol: string): string {
	if (protocol === 'data:') {
		return 'For a data: URL set Image Source to Base64: that field takes data:image/...;base64, text.';
	}
	if (protocol === 'file:') {
		return 'Files on the n8n server are not read from a link: load the file with the Read/Write Files from Disk node and set Image Source to Binary.';
	}
	return 'Use an http(s) link, or fetch the file with another node and set Image Source to Binary.';
}

function requestFor(address: URL, timeoutMs: number, signal: AbortSignal): IHttpRequestOptions {
	return {
		method: 'GET',
		url: address.href,
		headers: { Accept: ACCEPT },
		// A stream, so reading can stop at the size limit instead of buffering whatever comes.
		encoding: 'stream',
		returnFullResponse: true,
		// Every status comes back as an answer, so 3XX can be followed here and 4XX/5XX named.
		ignoreHttpStatusErrors: true,
		// Followed by hand: n8n 1.x ignores `maxRedirects` on helpers.httpRequest, and each hop
		// must be checked (scheme, count) and pass the instance's outbound policy again.
		disableFollowRedirect: true,
		timeout: timeoutMs,
		abortSignal: signal,
	};
}

function followRedirect(
	answer: HttpAnswer,
	from: URL,
	redirectsSoFar: number,
	maxRedirects: number,
	allowPrivate: boolean,
): ParsedAddress {
	const location = headerValue(answer.headers, 'location');
	if (location === undefined) {
		return fail(
			`The image host answered HTTP ${answer.statusCode} without saying where the image moved, for ${show(from)}`,
			'Use the final address of the image, e.g. the link a browser ends up on.',
		);
	}
	if (redirectsSoFar >= maxRedirects) {
		return fail(
			`The image host redirected more than ${maxRedirects} times, last from ${show(from)}`,
			'Use the final address of the image (the last link of the chain), e.g. a direct storage link.',
		);
	}
	let next: URL;
	try {
		next = new URL(location, from);
	} catch {
		return fail(
			`The image host redirected ${show(from)} to ${showText(location)}, which is not an address`,
			'Use the final address of the image, e.g. the link a browser ends up on.',
		);
	}
	if (next.protocol !== 'http:' && next.protocol !== 'https:') {
		return fail(
			`The image host redirected ${show(from)} to a ${next.protocol} address; only http: and https: are followed`,
			'Use a link that serves the image over http(s).',
		);
	}
	if (from.protocol === 'https:' && next.protocol === 'http:') {
		return fail(
			`The image host redirected the https link ${show(from)} to plain http; such a redirect is not followed`,
			'Use a link that stays on https, e.g. the final address a browser ends up on.',
		);
	}
	const refused = allowPrivate ? undefined : refusePrivateHost(next, from);
	if (refused) return { ok: false, failure: refused };
	return { ok: true, url: next };
}

/**
 * Refuses a non-public host before any connection. The message names the kind of address and
 * the option, never what is (or is not) listening there.
 */
function refusePrivateHost(address: URL, redirectedFrom?: URL): Failure | undefined {
	const kind = privateHostKind(address.hostname);
	if (kind === undefined) return undefined;
	const what = redirectedFrom
		? `The image host redirected ${show(redirectedFrom)} to ${kind} (${show(address)})`
		: `The Image URL ${show(address)} points to ${kind}`;
	return downloadFailed(
		`${what}; such addresses are not downloaded from unless Allow Private Addresses is on`,
		ALLOW_PRIVATE_HINT,
		false,
	);
}

/** 408, 425, 429 and 5XX may pass later; other statuses fail the same way every time. */
function statusFailure(answer: HttpAnswer, address: URL): Failure {
	const { statusCode } = answer;
	// The reason phrase is the image host's own text: only a few words of it are shown.
	const statusText =
		typeof answer.statusMessage === 'string' && answer.statusMessage !== ''
			? ` ${cutText(answer.statusMessage, SHOWN_STATUS_TEXT_LENGTH)}`
			: '';
	const status = `HTTP ${statusCode}${statusText}`;
	const transient =
		statusCode === 408 || statusCode === 425 || statusCode === 429 || statusCode >= 500;
	let hint = 'Open the link in a browser to see what the image host answers.';
	if (statusCode === 401 || statusCode === 403) {
		hint =
			'The link needs a permission it does not carry, or it has expired: use a public or freshly signed link (the node sends no credentials to the image host).';
	} else if (statusCode === 404 || statusCode === 410) {
		hint = 'Check the link: there is no file at that address (moved, deleted, or mistyped).';
	} else if (transient) {
		hint = 'The image host is busy or failing; the item can be retried later.';
	}
	return downloadFailed(`The image host answered ${status} for ${show(address)}`, hint, transient);
}

/** A Content-Length above the limit ends the download before any of the body is read. */
function announcedTooLarge(
	answer: HttpAnswer,
	address: URL,
	maxBytes: number,
	hint = RESIZE_HINT,
): Failure | undefined {
	const encoding = headerValue(answer.headers, 'content-encoding');
	// A compressed length says nothing certain about the image's own size.
	if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') return undefined;
	const length = Number(headerValue(answer.headers, 'content-length'));
	if (!Number.isFinite(length) || length <= maxBytes) return undefined;
	return localFailure(
		'image_too_large',
		`The image at ${show(address)} is ${formatKb(length)} KB by its Content-Length, above the ${formatKb(maxBytes)} KB limit, so it was not downloaded`,
		hint,
	);
}

type BoundedRead =
	| { ok: true; bytes: Buffer }
	| { ok: false; tooLarge: true }
	| { ok: false; tooLarge: false; error: unknown };

interface ReadableBody extends AsyncIterable<unknown> {
	destroy?: (error?: Error) => void;
}

function isReadableBody(body: unknown): body is ReadableBody {
	return (
		typeof body === 'object' &&
		body !== null &&
		typeof (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
	);
}

/**
 * Reads a body (or any stream) chunk by chunk and drops it as soon as it passes `maxBytes`.
 * Also used for stored binary data, whose stream has no signal of its own.
 */
export async function readAtMost(
	body: unknown,
	maxBytes: number,
	signal: AbortSignal = new AbortController().signal,
): Promise<BoundedRead> {
	if (!isReadableBody(body)) {
		const bytes = toBuffer(body ?? Buffer.alloc(0));
		return bytes.length > maxBytes ? { ok: false, tooLarge: true } : { ok: true, bytes };
	}
	// The HTTP client's own abort may leave a paused stream waiting forever: end it here too.
	const stop = (): void => body.destroy?.(new Error('The download was stopped'));
	signal.addEventListener('abort', stop, { once: true });
	const chunks: Buffer[] = [];
	let total = 0;
	try {
		for await (const chunk of body) {
			const bytes = toBuffer(chunk);
			total += bytes.length;
			if (total > maxBytes) {
				body.destroy?.();
				return { ok: false, tooLarge: true };
			}
			chunks.push(bytes);
		}
	} catch (error) {
		return { ok: false, tooLarge: false, error };
	} finally {
		signal.removeEventListener('abort', stop);
	}
	return { ok: true, bytes: Buffer.concat(chunks, total) };
}

function toBuffer(chunk: unknown): Buffer {
	if (Buffer.isBuffer(chunk)) return chunk;
	if (chunk instanceof Uint8Array)
		return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
	if (chunk instanceof ArrayBuffer) return Buffer.from(chunk);
	return Buffer.from(String(chunk));
}

function headerValue(
	headers: Record<string, unknown> | undefined,
	name: string,
): string | undefined {
	if (!headers) return undefined;
	for (const key of Object.keys(headers)) {
		if (key.toLowerCase() !== name) continue;
		const value = headers[key];
		if (typeof value === 'string') return value;
		if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
		if (typeof value === 'number') return String(value);
	}
	return undefined;
}

/** n8n 2.x's SSRF protection throws these by name; older versions have no such policy. */
function findOutboundPolicyBlock(error: unknown): boolean {
	for (const link of causeChain(error)) {
		const { name } = link as { name?: unknown };
		if (name === 'SsrfBlockedIpError' || name === 'SsrfBlockedHostnameError') return true;
	}
	return false;
}

function codeOrMessage(error: unknown): string {
	const code = findCode(error);
	if (code) return code;
	const message = error instanceof Error ? error.message : String(error);
	return message.length > 80 ? `${message.slice(0, 79)}…` : message;
}

/**
 * Says which way the download failed. Only a code and a message are read from the error: the
 * HTTP client's error objects also hold the request. Network failures are free and may pass
 * next time, so they are retryable; a refused certificate or a blocked address is not.
 */
function describeDownloadError(error: unknown, address: URL, timeoutMs: number): Failure {
	const where = show(address);
	if (findOutboundPolicyBlock(error)) {
		return downloadFailed(
			`This n8n instance's outbound-request policy blocked the download from ${where}`,
			'n8n blocks private and loopback addresses when N8N_SSRF_PROTECTION_ENABLED is on. Use a public link, or ask the n8n administrator to allow this host (N8N_SSRF_ALLOWED_HOSTNAMES or N8N_SSRF_ALLOWED_IP_RANGES).',
			false,
		);
	}
	const code = findCode(error);
	switch (networkFailureKind(error)) {
		case 'refused':
			return downloadFailed(
				`The image host refused the connection for ${where}`,
				'Check the link: nothing answers at that host and port.',
				true,
			);
		case 'nameNotFound':
			return downloadFailed(
				`The host name of ${where} could not be found (DNS ${code})`,
				'Check the host name in the link.',
				true,
			);
		case 'timeout':
			return timedOut(address, timeoutMs);
		case 'unreachable':
			return downloadFailed(
				`The image host of ${where} cannot be reached (${code})`,
				'Check the link and the network between n8n and the image host.',
				true,
			);
		case 'certificate':
		case 'tlsSession':
			return downloadFailed(
				`The HTTPS certificate of the image host was not accepted for ${where} (${code})`,
				'Use a link whose host has a valid certificate.',
				false,
			);
		case 'connectionCut':
			return downloadFailed(
				`The image host closed the connection for ${where} (${code})`,
				'Try again; if it keeps failing, check that the link opens in a browser.',
				true,
			);
		default:
			return downloadFailed(
				`The download from ${where} failed (${codeOrMessage(error)})`,
				'Check that the link opens in a browser.',
				false,
			);
	}
}

function timedOut(address: URL, timeoutMs: number): Failure {
	return downloadFailed(
		`The download from ${show(address)} timed out after ${timeoutMs} ms`,
		'Check that the link opens quickly in a browser; the item can be retried.',
		true,
	);
}

function downloadFailed(reason: string, hint: string, retryable: boolean): Failure {
	return { ...localFailure('image_download_failed', reason, hint), retryable };
}

function fail(reason: string, hint: string): ParsedAddress {
	return { ok: false, failure: downloadFailed(reason, hint, false) };
}

/**
 * An address as errors show it: no user or password, no query or fragment (signed links carry
 * their token there), cut to a readable length. Anything before the last "@" is dropped, even
 * where a parser would not see a user (a password holding "/", mailto:), to be safe.
 */
export function show(url: URL): string {
	return showText(url.href);
}

function showText(text: string): string {
	const queryAt = text.search(/[?#]/);
	let shown = queryAt < 0 ? text : text.slice(0, queryAt);
	const scheme = /^[a-z][a-z0-9+.-]*:(\/\/)?/i.exec(shown);
	const authorityStart = scheme ? scheme[0].length : 0;
	const lastAt = shown.lastIndexOf('@');
	if (lastAt >= authorityStart) shown = shown.slice(0, authorityStart) + shown.slice(lastAt + 1);
	const suffix = queryAt < 0 ? '' : '?…';
	if (shown.length + suffix.length > SHOWN_ADDRESS_LENGTH) {
		return `"${shown.slice(0, SHOWN_ADDRESS_LENGTH - 1)}…"`;
	}
	return `"${shown}${suffix}"`;
}
