/**
 * A local stand-in for Kredibel's biometric API, for tests, the demo, and building workflows
 * offline without spending credits. Plain `node:http` on 127.0.0.1 only.
 *
 * Every API request goes through the same steps, in the order a Flask/marshmallow service
 * (which Kredibel's messages suggest it is) would apply them:
 *   latency -> route (404/405) -> read the whole body -> API key (401) -> body over 10 MiB (413)
 *   -> biometric only: injected fault -> fields (400) -> base64 (400) -> size (400) -> answer.
 * Faults come after the key check so that a test of "wrong key" is never masked by a fault, and
 * after reading the body so that a rule can match on the NIK. `delay`, `echoNik`, `score` and
 * `cutAfterRequest` still go through the field, base64 and size checks; the others replace them.
 *
 * Each log entry says whether Kredibel would have charged the request (`isChargedAnswer`: 2XX and
 * `no_face_detected`), including answers the client never read (a `delay` it gave up on,
 * `cutAfterRequest`), so a test can assert that no applicant was paid for twice.
 */
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

import { handleControlRequest, CONTROL_PREFIX } from './control';
import {
	FaultInjector,
	faultLabel,
	type ActiveFaultRule,
	type ApiErrorType,
	type ChaosOptions,
	type ChaosState,
	type Fault,
	type FaultRule,
} from './faults';
import { readBody, sendJson, sendRepeated, sendText, sleep, type ReadBody } from './http-io';
import {
	apiErrorBody,
	creditBody,
	echoedVerificationBody,
	hugeBodyParts,
	invalidApiKeyBody,
	isChargedAnswer,
	MALFORMED_BODY,
	MAX_IMAGE_BYTES,
	MESSAGES,
	messageBody,
	redirectBody,
	scoredVerificationBody,
	validationErrorBody,
	VERIFICATION_MESSAGE,
	verificationBody,
} from './kredibel-responses';
import { decodeStrictBase64, parseJsonBody, validateBiometricPayload } from './payload';
import type { ParsedBody } from './payload';
import { chargesOf, RequestLog, type Charges, type RequestLogEntry } from './request-log';

export { chaosPlan } from './faults';
export type { ActiveFaultRule, ApiErrorType, ChaosOptions, ChaosState, Fault, FaultRule };
export { MAX_IMAGE_BYTES, SANDBOX_NIKS } from './kredibel-responses';
export type { Charges, RequestLogEntry, SerializedLogEntry } from './request-log';

export const SANDBOX_API_KEY = 'sandbox-test-key';
export const BIOMETRIC_PATH = '/v1/identity/verification/biometric';
export const CREDIT_PATH = '/v1/billing/credit';
export const INITIAL_CREDIT = 1_000_000;
/** Bodies up to this size are read; a 1 MiB image is about 1.4 MB of base64, so this is ample. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface SandboxOptions {
	/** 0 (the default) picks a free port. */
	port?: number;
	/** The key accepted as `Authorization: Bearer <key>`; default `SANDBOX_API_KEY`. */
	apiKey?: string;
	/** Keys of other accounts also accepted, so a workflow can use two credentials. */
	otherApiKeys?: string[];
	/** Added to every API request (not to the control API); default 0. */
	latencyMs?: number;
	/** Fault rules in effect from the start. */
	faults?: FaultRule[];
	/** Seeded random faults from the start. */
	chaos?: ChaosOptions;
	/** Called with a copy of each API request's log entry once it is finished. */
	onRequest?: (entry: RequestLogEntry) => void;
}

export interface SandboxStats {
	/** API requests being handled right now. */
	inFlight: number;
	/** The most API requests handled at the same moment: proves (or disproves) client concurrency. */
	maxInFlight: number;
	totalRequests: number;
	chargedRequests: number;
	credit: number;
	latencyMs: number;
}

export interface Sandbox {
	/** `http://127.0.0.1:<port>`, no trailing slash: the base URL for the credential. */
	readonly url: string;
	readonly apiKey: string;
	/** Stops listening and drops open connections; requests still waiting get no answer. */
	close(): Promise<void>;
	/** The API requests seen since the last reset, in arrival order, including those in flight. */
	requests(): RequestLogEntry[];
	/** Clears the log and the request counters (stats describe the same window as the log). */
	resetLog(): void;
	/** Adds a fault rule after the existing ones; throws FaultConfigError on an invalid rule. */
	addFault(rule: FaultRule): void;
	/** Removes all fault rules and turns chaos off. */
	clearFaults(): void;
	faultRules(): ActiveFaultRule[];
	/** Starts a chaos sequence from its first draw, or turns chaos off with null. */
	setChaos(chaos: ChaosOptions | null): void;
	chaosState(): ChaosState | null;
	setLatency(ms: number): void;
	stats(): SandboxStats;
	/** Charged requests per NIK in the current log: "no applicant charged more than once". */
	charges(): Charges;
	/** The current credit amount, as `GET /v1/billing/credit` reports it. */
	credit(): number;
	/** `resetLog()` and `clearFaults()`; credit and latency are kept. */
	reset(): void;
}

type ApiRoute = { method: 'POST' | 'GET'; kind: 'biometric' | 'credit' };

const API_ROUTES: ReadonlyMap<string, ApiRoute> = new Map([
	[BIOMETRIC_PATH, { method: 'POST', kind: 'biometric' }],
	[CREDIT_PATH, { method: 'GET', kind: 'credit' }],
]);

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
	const sandbox = new KredibelSandbox(options);
	await sandbox.listen(options.port ?? 0);
	return sandbox;
}

class KredibelSandbox implements Sandbox {
	readonly apiKey: string;
	private readonly server: http.Server;
	private readonly log = new RequestLog();
	private readonly faults = new FaultInjector();
	/** Aborted by close(): wakes every request that is waiting out a latency or a delay. */
	private readonly closing = ((): AbortController => {
		const controller = new AbortController();
		// Every request waiting out a latency or delay listens on this one signal: with many in
		// flight Node would warn about a listener leak that is not one.
		setMaxListeners(0, controller.signal);
		return controller;
	})();
	private readonly onRequest?: (entry: RequestLogEntry) => void;
	private closed: Promise<void> | undefined;
	private port = 0;
	private latencyMs = 0;
	private inFlight = 0;
	private maxInFlight = 0;
	private totalRequests = 0;
	private readonly otherApiKeys: Set<string>;
	private chargedRequests = 0;
	private creditAmount = INITIAL_CREDIT;
	private creditUpdatedAt = unixSeconds();

	constructor(options: SandboxOptions) {
		this.apiKey = options.apiKey ?? SANDBOX_API_KEY;
		this.otherApiKeys = new Set(options.otherApiKeys ?? []);
		this.onRequest = options.onRequest;
		this.setLatency(options.latencyMs ?? 0);
		for (const rule of options.faults ?? []) this.addFault(rule);
		if (options.chaos) this.setChaos(options.chaos);
		this.server = http.createServer((req, res) => {
			void this.route(req, res);
		});
	}

	get url(): string {
		return `http://127.0.0.1:${this.port}`;
	}

	async listen(port: number): Promise<void> {
		await new Promise<void>((resolve, reject) => {
			this.server.once('error', reject);
			this.server.listen({ port, host: '127.0.0.1' }, () => {
				this.server.off('error', reject);
				resolve();
			});
		});
		this.port = (this.server.address() as AddressInfo).port;
	}

	close(): Promise<void> {
		if (!this.closed) {
			this.closing.abort();
			this.closed = new Promise((resolve, reject) => {
				this.server.close((error) => (error ? reject(error) : resolve()));
			});
			this.server.closeAllConnections();
		}
		return this.closed;
	}

	requests(): RequestLogEntry[] {
		return this.log.list();
	}

	resetLog(): void {
		this.log.reset();
		this.totalRequests = 0;
		this.chargedRequests = 0;
		this.maxInFlight = this.inFlight;
	}

	addFault(rule: FaultRule): void {
		this.faults.addRule(rule);
	}

	clearFaults(): void {
		this.faults.clearRules();
		this.faults.setChaos(null);
	}

	faultRules(): ActiveFaultRule[] {
		return this.faults.listRules();
	}

	setChaos(chaos: ChaosOptions | null): void {
		this.faults.setChaos(chaos);
	}

	chaosState(): ChaosState | null {
		return this.faults.chaosState();
	}

	setLatency(ms: number): void {
		if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
			throw new RangeError('latency must be a number of milliseconds >= 0.');
		}
		this.latencyMs = ms;
	}

	stats(): SandboxStats {
		return {
			inFlight: this.inFlight,
			maxInFlight: this.maxInFlight,
			totalRequests: this.totalRequests,
			chargedRequests: this.chargedRequests,
			credit: this.creditAmount,
			latencyMs: this.latencyMs,
		};
	}

	credit(): number {
		return this.creditAmount;
	}

	charges(): Charges {
		return chargesOf(this.log.list());
	}

	reset(): void {
		this.resetLog();
		this.clearFaults();
	}

	private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const rawUrl = req.url ?? '/';
		const queryStart = rawUrl.indexOf('?');
		const path = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
		const query = queryStart === -1 ? '' : rawUrl.slice(queryStart);
		try {
			if (path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`)) {
				await handleControlRequest(req, res, path, this);
			} else {
				await this.handleApiRequest(req, res, path, query);
			}
		} catch (error) {
			if (this.closing.signal.aborted) return;
			// A bug in the sandbox, not a simulated failure: say so loudly.
			console.error('[kredibel sandbox] internal error:', error);
			sendJson(res, 500, messageBody(MESSAGES.serverError));
		}
	}

	private async handleApiRequest(
		req: IncomingMessage,
		res: ServerResponse,
		path: string,
		query: string,
	): Promise<void> {
		const entry = this.log.begin({
			method: req.method ?? 'GET',
			path,
			query,
			authorization: req.headers.authorization,
			contentType: req.headers['content-type'],
			startedAt: performance.now(),
		});
		this.totalRequests++;
		this.inFlight++;
		this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);

		const route = API_ROUTES.get(path);
		const authorized = this.isAuthorized(req.headers.authorization);
		// Drawn now, synchronously, so the chaos sequence follows arrival order whatever the
		// latency or body sizes; see FaultInjector.
		const chaosFault =
			route?.kind === 'biometric' && req.method === route.method && authorized
				? this.faults.drawChaos()
				: null;

		try {
			await sleep(this.latencyMs, this.closing.signal);
			await this.answerApiRequest(req, res, entry, route, authorized, chaosFault);
		} finally {
			this.inFlight--;
			entry.endedAt = performance.now();
			this.notify(entry);
		}
	}

	private async answerApiRequest(
		req: IncomingMessage,
		res: ServerResponse,
		entry: RequestLogEntry,
		route: ApiRoute | undefined,
		authorized: boolean,
		chaosFault: Fault | null,
	): Promise<void> {
		if (!route) return this.respond(res, entry, 404, messageBody(MESSAGES.notFound));
		if (req.method !== route.method) {
			return this.respond(res, entry, 405, messageBody(MESSAGES.methodNotAllowed), {
				Allow: route.method,
			});
		}

		let read: ReadBody;
		try {
			read = await readBody(req, MAX_BODY_BYTES);
		} catch {
			return; // the client went away mid-body: there is no one to answer
		}
		// Parsed before the key check only to fill the log: a test of a wrong key still wants
		// to see which NIK was sent.
		const parsed =
			route.kind === 'biometric' && !read.tooLarge ? parseJsonBody(read.body) : undefined;
		const image = parsed ? recordPayload(entry, parsed) : null;

		if (!authorized) return this.respond(res, entry, 401, invalidApiKeyBody());
		if (read.tooLarge) return this.respond(res, entry, 413, messageBody(MESSAGES.tooLarge));
		if (route.kind === 'credit') {
			return this.respond(res, entry, 200, creditBody(this.creditAmount, this.creditUpdatedAt));
		}
		return this.answerBiometric(res, entry, parsed ?? parseJsonBody(read.body), image, chaosFault);
	}

	private async answerBiometric(
		res: ServerResponse,
		entry: RequestLogEntry,
		parsed: ParsedBody,
		image: Buffer | null,
		chaosFault: Fault | null,
	): Promise<void> {
		// A rule wins over chaos; the chaos draw was still consumed, so later requests keep their fate.
		const fault = this.faults.takeRuleFault(entry.identityId) ?? chaosFault;
		if (fault) entry.fault = faultLabel(fault);
		if (fault?.kind === 'delay') {
			// Then answer normally. A client that timed out meanwhile is still charged, as a real
			// server that does not notice the disconnect would: retrying a timeout can cost twice.
			await sleep(fault.ms, this.closing.signal);
		}
		if (fault && !isProcessedNormally(fault)) return this.answerWithFault(res, entry, fault);

		const answer = verificationAnswer(parsed, image, fault);
		if (fault?.kind === 'cutAfterRequest') {
			// Kredibel did the work (and billed it); the answer is lost on the way back.
			if (isChargedAnswer(answer.status, answer.body)) this.charge(entry);
			res.socket?.destroy();
			return;
		}
		return this.respondBiometric(res, entry, answer.status, answer.body);
	}

	private async answerWithFault(
		res: ServerResponse,
		entry: RequestLogEntry,
		fault: Exclude<Fault, { kind: NormallyProcessedKind }>,
	): Promise<void> {
		switch (fault.kind) {
			case 'error':
				return this.respondBiometric(
					res,
					entry,
					fault.status ?? 400,
					apiErrorBody(fault.errorType),
				);
			case 'status':
				return this.respond(res, entry, fault.status, messageBody(statusMessage(fault.status)));
			case 'rateLimit':
				return this.respond(res, entry, 429, messageBody(MESSAGES.tooManyRequests), {
					'Retry-After': String(fault.retryAfter),
				});
			case 'reset':
				// The request was read but never processed: nothing is charged. No status: the
				// client sees the connection drop (ECONNRESET / "other side closed").
				res.socket?.destroy();
				return;
			case 'malformed':
				return this.respondBiometricText(
					res,
					entry,
					200,
					fault.body ?? MALFORMED_BODY,
					fault.contentType ?? 'text/html; charset=utf-8',
				);
			case 'wrongShape':
				return this.respondBiometric(res, entry, 200, messageBody(VERIFICATION_MESSAGE));
			case 'redirect':
				return this.respond(res, entry, fault.status, redirectBody(fault.location), {
					Location: fault.location,
				});
			case 'answer': {
				const status = fault.status ?? 200;
				if (fault.contentType === undefined) {
					return this.respondBiometric(res, entry, status, fault.body);
				}
				return this.respondBiometricText(
					res,
					entry,
					status,
					fault.body as string,
					fault.contentType,
				);
			}
			case 'hugeBody': {
				const status = fault.status ?? 200;
				const format = fault.format ?? 'text';
				entry.status = status;
				if (isChargedAnswer(status, undefined)) this.charge(entry);
				return sendRepeated(
					res,
					status,
					format === 'json' ? 'application/json' : 'text/html; charset=utf-8',
					hugeBodyParts(fault.bytes, format),
				);
			}
		}
	}

	/** A biometric answer that reached the point of an answer: charged by Kredibel's rule. */
	private respondBiometric(
		res: ServerResponse,
		entry: RequestLogEntry,
		status: number,
		body: unknown,
	): void {
		if (isChargedAnswer(status, body)) this.charge(entry);
		this.respond(res, entry, status, body);
	}

	private respondBiometricText(
		res: ServerResponse,
		entry: RequestLogEntry,
		status: number,
		text: string,
		contentType: string,
	): void {
		if (isChargedAnswer(status, undefined)) this.charge(entry);
		entry.status = status;
		sendText(res, status, text, contentType);
	}

	private respond(
		res: ServerResponse,
		entry: RequestLogEntry,
		status: number,
		body: unknown,
		headers?: http.OutgoingHttpHeaders,
	): void {
		entry.status = status;
		sendJson(res, status, body, headers);
	}

	private charge(entry: RequestLogEntry): void {
		entry.charged = true;
		this.chargedRequests++;
		this.creditAmount--;
		this.creditUpdatedAt = unixSeconds();
	}

	/** Only `Bearer <key>`: Kredibel also takes a `key` parameter, but the node must use the header. */
	private isAuthorized(header: string | undefined): boolean {
		const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
		return match !== null && (match[1] === this.apiKey || this.otherApiKeys.has(match[1]));
	}

	private notify(entry: RequestLogEntry): void {
		if (!this.onRequest) return;
		try {
			this.onRequest({ ...entry });
		} catch (error) {
			console.error('[kredibel sandbox] onRequest callback failed:', error);
		}
	}
}

/**
 * Copies what the body says into the log entry, whatever happens next, and returns the decoded
 * image when `faceImage` is valid base64.
 */
function recordPayload(entry: RequestLogEntry, parsed: ParsedBody): Buffer | null {
	if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) return null;
	const { identityId, faceImage } = parsed.value as Record<string, unknown>;
	if (typeof identityId === 'string') entry.identityId = identityId;
	if (typeof faceImage !== 'string') return null;
	entry.faceImageBase64Length = faceImage.length;
	const image = decodeStrictBase64(faceImage);
	if (image) entry.faceImage = image;
	return image;
}

/** Faults after which the request is still validated and answered as Kredibel would. */
const NORMALLY_PROCESSED = ['delay', 'echoNik', 'score', 'cutAfterRequest'] as const;
type NormallyProcessedKind = (typeof NORMALLY_PROCESSED)[number];

function isProcessedNormally(
	fault: Fault,
): fault is Extract<Fault, { kind: NormallyProcessedKind }> {
	return (NORMALLY_PROCESSED as readonly string[]).includes(fault.kind);
}

/**
 * What Kredibel answers a request that reached its verification step, in its order: fields,
 * base64, size, then the verdict (for `echoNik` and `score`, the verdict with odd fields).
 */
function verificationAnswer(
	parsed: ParsedBody,
	image: Buffer | null,
	fault: Fault | null,
): { status: number; body: unknown } {
	const check = validateBiometricPayload(parsed);
	if (!check.ok) return { status: 400, body: validationErrorBody(check.errors) };
	if (!image) return { status: 400, body: apiErrorBody('invalid_base64_encoding') };
	if (image.length > MAX_IMAGE_BYTES) return { status: 400, body: apiErrorBody('image_too_large') };
	if (fault?.kind === 'echoNik') {
		return { status: 200, body: echoedVerificationBody(fault.identityId) };
	}
	if (fault?.kind === 'score') {
		return { status: 200, body: scoredVerificationBody(check.identityId, fault) };
	}
	return { status: 200, body: verificationBody(check.identityId) };
}

function statusMessage(status: number): string {
	if (status >= 500) return MESSAGES.serverError;
	return `${http.STATUS_CODES[status] ?? 'Error'}.`;
}

function unixSeconds(): number {
	return Math.floor(Date.now() / 1000);
}
