/**
 * Fault injection for the sandbox's biometric endpoint.
 *
 * Two sources of faults:
 * - rules, checked in the order they were added ("the next 2 requests for this NIK get a 503");
 * - a seeded chaos mode ("5% of requests fail at random"), reproducible so that a failing
 *   200-item run can be replayed exactly.
 *
 * Rules also arrive as JSON from other processes (the control API), so every rule is validated
 * here with messages a person typing `curl` can act on.
 *
 * Two faults drop the connection, and they differ only in what Kredibel did before it:
 * - `reset`: the whole request was read, then the socket is destroyed before any processing,
 *   so nothing is charged (a proxy dying before it forwarded the request);
 * - `cutAfterRequest`: the whole request was read and processed (charged, credit taken), then
 *   the socket is destroyed without an answer (the connection dying on the way back).
 * A client cannot tell them apart: both are "the connection was cut after sending".
 */

/** The error types Kredibel documents for the biometric endpoint (all 4XX). */
export const API_ERROR_TYPES = [
	'no_face_detected',
	'request_error',
	'invalid_base64_encoding',
	'image_too_large',
] as const;

export type ApiErrorType = (typeof API_ERROR_TYPES)[number];

export type Fault =
	/** Kredibel's documented error envelope; status defaults to 400 (Kredibel lists them under 4XX). */
	| { kind: 'error'; errorType: ApiErrorType; status?: number }
	/** A bare HTTP failure such as 500/502/503 with `{"message": ...}`. */
	| { kind: 'status'; status: number }
	/** 429 with a `Retry-After` header (seconds or an HTTP date). */
	| { kind: 'rateLimit'; retryAfter: string | number }
	/** Waits, then answers normally: how client timeouts are provoked. */
	| { kind: 'delay'; ms: number }
	/** Destroys the socket without answering. */
	| { kind: 'reset' }
	/** 200 with a body that is not JSON (by default an HTML error page from a proxy). */
	| { kind: 'malformed'; contentType?: string; body?: string }
	/** 200 JSON without `data`: the documented envelope is broken. */
	| { kind: 'wrongShape' }
	/** A redirect to `location` (another origin, e.g. a trap server); a client must not follow it. */
	| { kind: 'redirect'; status: RedirectStatus; location: string }
	/**
	 * Any answer: `body` is sent as JSON, or as it is (a string) when `contentType` is given.
	 * For hostile envelopes and odd success shapes. Status defaults to 200.
	 */
	| { kind: 'answer'; status?: number; body: JsonValue; contentType?: string }
	/** A success answer about another NIK: its verdict, naming it, whatever NIK was sent. */
	| { kind: 'echoNik'; identityId: string }
	/** A normal success answer for the NIK sent, with these fields replaced by any JSON value. */
	| ({ kind: 'score' } & ScoreOverrides)
	/** A body of exactly `bytes` bytes: text (default) or a JSON object; status defaults to 200. */
	| { kind: 'hugeBody'; bytes: number; format?: 'text' | 'json'; status?: number }
	/** Processes and charges the request, then destroys the socket without answering. */
	| { kind: 'cutAfterRequest' };

export type JsonValue =
	| null
	| boolean
	| number
	| string
	| JsonValue[]
	| { [key: string]: JsonValue };

export const REDIRECT_STATUSES = [301, 302, 303, 307, 308] as const;
export type RedirectStatus = (typeof REDIRECT_STATUSES)[number];

/** `faceSimilarity` is required (null is a value); the others are replaced only when given. */
export interface ScoreOverrides {
	faceSimilarity: JsonValue;
	face?: JsonValue;
	isValid?: JsonValue;
	isActive?: JsonValue;
}

/** The smallest huge body: room for the frame of a page or a JSON object. */
export const MIN_HUGE_BODY_BYTES = 64;

/** A huge body is streamed, but a typo of three zeros too many would still fill the disk of a CI log. */
export const MAX_HUGE_BODY_BYTES = 512 * 1024 * 1024;

export interface FaultRule {
	/** Only requests whose `identityId` equals this; without `match` every request matches. */
	match?: { identityId?: string };
	/** How many matching requests the rule applies to; unlimited when absent. */
	times?: number;
	fault: Fault;
}

export interface ChaosOptions {
	seed: number;
	/** Probability (0-1) that a request gets one of `kinds`. */
	rate: number;
	/** Picked uniformly when a request is chosen to fail. */
	kinds: Fault[];
}

/** A rule as currently held: `remaining` is null for unlimited rules. */
export interface ActiveFaultRule extends FaultRule {
	remaining: number | null;
}

export interface ChaosState extends ChaosOptions {
	/** How many requests have drawn from the chaos sequence since it was set. */
	drawn: number;
}

/** Thrown for a rule or chaos setting that does not describe a fault. */
export class FaultConfigError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'FaultConfigError';
	}
}

/** What the request log records for an applied fault: the error type, or else the kind. */
export function faultLabel(fault: Fault): string {
	return fault.kind === 'error' ? fault.errorType : fault.kind;
}

/**
 * Holds the rules and the chaos sequence of one sandbox.
 *
 * The chaos draw and the rule lookup are separate calls on purpose: the server draws from the
 * chaos sequence synchronously when a request arrives (arrival order is the only order a test
 * can control), but rules can only be matched once the body, and so the NIK, has been read.
 */
export class FaultInjector {
	private rules: ActiveFaultRule[] = [];
	private chaos: { options: ChaosOptions; next: () => number; drawn: number } | null = null;

	addRule(rule: FaultRule): void {
		const parsed = parseFaultRule(rule);
		this.rules.push({ ...parsed, remaining: parsed.times ?? null });
	}

	clearRules(): void {
		this.rules = [];
	}

	listRules(): ActiveFaultRule[] {
		return structuredClone(this.rules);
	}

	/** Starts a new chaos sequence (from its first draw), or turns chaos off with null. */
	setChaos(options: ChaosOptions | null): void {
		if (options === null) {
			this.chaos = null;
			return;
		}
		const parsed = parseChaosOptions(options);
		this.chaos = { options: parsed, next: mulberry32(parsed.seed), drawn: 0 };
	}

	chaosState(): ChaosState | null {
		if (!this.chaos) return null;
		return { ...structuredClone(this.chaos.options), drawn: this.chaos.drawn };
	}

	/** The chaos decision for the next request in arrival order; null when it passes. */
	drawChaos(): Fault | null {
		if (!this.chaos) return null;
		this.chaos.drawn++;
		return chaosDecision(this.chaos.next, this.chaos.options);
	}

	/** The first matching rule with uses left, consuming one use; null when none matches. */
	takeRuleFault(identityId: string | undefined): Fault | null {
		const index = this.rules.findIndex(
			(rule) => rule.match?.identityId === undefined || rule.match.identityId === identityId,
		);
		if (index === -1) return null;
		const rule = this.rules[index];
		if (rule.remaining !== null) {
			rule.remaining--;
			// Spent rules are dropped so that listing shows only what can still happen.
			if (rule.remaining === 0) this.rules.splice(index, 1);
		}
		return structuredClone(rule.fault);
	}
}

/**
 * The faults chaos mode gives to the first `count` requests, in arrival order (null = passes).
 * Tests use it to know in advance which items of a run will fail.
 */
export function chaosPlan(options: ChaosOptions, count: number): (Fault | null)[] {
	const parsed = parseChaosOptions(options);
	const next = mulberry32(parsed.seed);
	return Array.from({ length: count }, () => chaosDecision(next, parsed));
}

/**
 * Always takes exactly two numbers from the sequence, whether the request fails or not, so
 * that request n's fate depends only on the seed and n, not on earlier outcomes.
 */
function chaosDecision(next: () => number, options: ChaosOptions): Fault | null {
	const roll = next();
	const pick = next();
	if (roll >= options.rate) return null;
	return structuredClone(options.kinds[Math.floor(pick * options.kinds.length)]);
}

/** A small, well-known 32-bit PRNG: fast, seedable, and the same on every platform. */
function mulberry32(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** Validates a rule (typed or from JSON) and returns a copy the caller cannot mutate later. */
export function parseFaultRule(value: unknown): FaultRule {
	const rule = expectObject(value, 'rule');
	expectOnlyKeys(rule, ['match', 'times', 'fault'], 'rule');
	const parsed: FaultRule = { fault: parseFault(rule.fault, 'rule.fault') };
	if (rule.match !== undefined) {
		const match = expectObject(rule.match, 'rule.match');
		expectOnlyKeys(match, ['identityId'], 'rule.match');
		parsed.match = {};
		if (match.identityId !== undefined) {
			if (typeof match.identityId !== 'string') {
				throw new FaultConfigError('rule.match.identityId must be a string.');
			}
			parsed.match.identityId = match.identityId;
		}
	}
	if (rule.times !== undefined) {
		if (!Number.isInteger(rule.times) || (rule.times as number) < 1) {
			throw new FaultConfigError('rule.times must be a positive integer (omit it for unlimited).');
		}
		parsed.times = rule.times as number;
	}
	return parsed;
}

export function parseChaosOptions(value: unknown): ChaosOptions {
	const chaos = expectObject(value, 'chaos');
	expectOnlyKeys(chaos, ['seed', 'rate', 'kinds'], 'chaos');
	if (!Number.isInteger(chaos.seed)) throw new FaultConfigError('chaos.seed must be an integer.');
	if (typeof chaos.rate !== 'number' || !(chaos.rate >= 0 && chaos.rate <= 1)) {
		throw new FaultConfigError('chaos.rate must be a number from 0 to 1.');
	}
	if (!Array.isArray(chaos.kinds) || chaos.kinds.length === 0) {
		throw new FaultConfigError('chaos.kinds must be a non-empty array of faults.');
	}
	return {
		seed: chaos.seed as number,
		rate: chaos.rate,
		kinds: chaos.kinds.map((fault, index) => parseFault(fault, `chaos.kinds[${index}]`)),
	};
}

function parseFault(value: unknown, where: string): Fault {
	const fault = expectObject(value, where);
	switch (fault.kind) {
		case 'error': {
			expectOnlyKeys(fault, ['kind', 'errorType', 'status'], where);
			if (!API_ERROR_TYPES.includes(fault.errorType as ApiErrorType)) {
				throw new FaultConfigError(
					`${where}.errorType must be one of ${API_ERROR_TYPES.join(', ')}.`,
				);
			}
			const parsed: Fault = { kind: 'error', errorType: fault.errorType as ApiErrorType };
			if (fault.status !== undefined) parsed.status = expectErrorStatus(fault.status, where);
			return parsed;
		}
		case 'status':
			expectOnlyKeys(fault, ['kind', 'status'], where);
			return { kind: 'status', status: expectErrorStatus(fault.status, where) };
		case 'rateLimit': {
			expectOnlyKeys(fault, ['kind', 'retryAfter'], where);
			const { retryAfter } = fault;
			const validNumber = typeof retryAfter === 'number' && retryAfter >= 0;
			const validString = typeof retryAfter === 'string' && retryAfter.trim() !== '';
			if (!validNumber && !validString) {
				throw new FaultConfigError(
					`${where}.retryAfter must be seconds (a number >= 0) or a non-empty string.`,
				);
			}
			return { kind: 'rateLimit', retryAfter: retryAfter as string | number };
		}
		case 'delay':
			expectOnlyKeys(fault, ['kind', 'ms'], where);
			if (typeof fault.ms !== 'number' || !Number.isFinite(fault.ms) || fault.ms < 0) {
				throw new FaultConfigError(`${where}.ms must be a number of milliseconds >= 0.`);
			}
			return { kind: 'delay', ms: fault.ms };
		case 'malformed': {
			expectOnlyKeys(fault, ['kind', 'contentType', 'body'], where);
			const parsed: Fault = { kind: 'malformed' };
			for (const key of ['contentType', 'body'] as const) {
				if (fault[key] === undefined) continue;
				if (typeof fault[key] !== 'string') {
					throw new FaultConfigError(`${where}.${key} must be a string.`);
				}
				parsed[key] = fault[key];
			}
			return parsed;
		}
		case 'reset':
		case 'wrongShape':
		case 'cutAfterRequest':
			expectOnlyKeys(fault, ['kind'], where);
			return { kind: fault.kind };
		case 'redirect':
			expectOnlyKeys(fault, ['kind', 'status', 'location'], where);
			if (!REDIRECT_STATUSES.includes(fault.status as RedirectStatus)) {
				throw new FaultConfigError(
					`${where}.status must be one of ${REDIRECT_STATUSES.join(', ')}.`,
				);
			}
			if (typeof fault.location !== 'string' || fault.location === '') {
				throw new FaultConfigError(`${where}.location must be a non-empty URL string.`);
			}
			return { kind: 'redirect', status: fault.status as RedirectStatus, location: fault.location };
		case 'answer':
			return parseAnswerFault(fault, where);
		case 'echoNik':
			expectOnlyKeys(fault, ['kind', 'identityId'], where);
			if (typeof fault.identityId !== 'string') {
				throw new FaultConfigError(`${where}.identityId must be a string (the NIK to echo).`);
			}
			return { kind: 'echoNik', identityId: fault.identityId };
		case 'score': {
			expectOnlyKeys(fault, ['kind', ...SCORE_FIELDS], where);
			if (!Object.hasOwn(fault, 'faceSimilarity')) {
				throw new FaultConfigError(`${where}.faceSimilarity is required (null is allowed).`);
			}
			const parsed: Fault = { kind: 'score', faceSimilarity: null };
			for (const key of SCORE_FIELDS) {
				if (!Object.hasOwn(fault, key)) continue;
				parsed[key] = expectJsonValue(fault[key], `${where}.${key}`);
			}
			return parsed;
		}
		case 'hugeBody': {
			expectOnlyKeys(fault, ['kind', 'bytes', 'format', 'status'], where);
			const { bytes } = fault;
			if (
				!Number.isInteger(bytes) ||
				(bytes as number) < MIN_HUGE_BODY_BYTES ||
				(bytes as number) > MAX_HUGE_BODY_BYTES
			) {
				throw new FaultConfigError(
					`${where}.bytes must be a whole number from ${MIN_HUGE_BODY_BYTES} to ${MAX_HUGE_BODY_BYTES}.`,
				);
			}
			const parsed: Fault = { kind: 'hugeBody', bytes: bytes as number };
			if (fault.format !== undefined) {
				if (fault.format !== 'text' && fault.format !== 'json') {
					throw new FaultConfigError(`${where}.format must be "text" or "json".`);
				}
				parsed.format = fault.format;
			}
			if (fault.status !== undefined) parsed.status = expectAnswerStatus(fault.status, where);
			return parsed;
		}
		default:
			throw new FaultConfigError(`${where}.kind must be one of ${FAULT_KINDS.join(', ')}.`);
	}
}

const FAULT_KINDS = [
	'error',
	'status',
	'rateLimit',
	'delay',
	'reset',
	'malformed',
	'wrongShape',
	'redirect',
	'answer',
	'echoNik',
	'score',
	'hugeBody',
	'cutAfterRequest',
] as const satisfies readonly Fault['kind'][];

const SCORE_FIELDS = ['faceSimilarity', 'face', 'isValid', 'isActive'] as const;

function parseAnswerFault(fault: Record<string, unknown>, where: string): Fault {
	expectOnlyKeys(fault, ['kind', 'status', 'body', 'contentType'], where);
	if (!Object.hasOwn(fault, 'body')) {
		throw new FaultConfigError(
			`${where}.body is required (any JSON value, or a string with contentType).`,
		);
	}
	const parsed: Fault = { kind: 'answer', body: expectJsonValue(fault.body, `${where}.body`) };
	if (fault.contentType !== undefined) {
		if (typeof fault.contentType !== 'string' || fault.contentType === '') {
			throw new FaultConfigError(`${where}.contentType must be a non-empty string.`);
		}
		if (typeof fault.body !== 'string') {
			throw new FaultConfigError(
				`${where}.body must be a string when contentType is given (it is sent as is).`,
			);
		}
		parsed.contentType = fault.contentType;
	}
	if (fault.status !== undefined) parsed.status = expectAnswerStatus(fault.status, where);
	return parsed;
}

/** Any status an API answer with a body can have: 1XX and redirects have faults of their own. */
function expectAnswerStatus(value: unknown, where: string): number {
	if (!Number.isInteger(value) || (value as number) < 200 || (value as number) > 599) {
		throw new FaultConfigError(`${where}.status must be an HTTP status from 200 to 599.`);
	}
	if (value === 204 || value === 205 || value === 304) {
		throw new FaultConfigError(`${where}.status ${value as number} cannot carry a body.`);
	}
	return value as number;
}

/**
 * What JSON can carry, and so what the control API could send: NaN, Infinity, undefined and
 * class instances are refused here rather than silently becoming null on the wire.
 */
function expectJsonValue(value: unknown, where: string, depth = 0): JsonValue {
	if (depth > 64) throw new FaultConfigError(`${where} is nested too deeply.`);
	if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
	if (typeof value === 'number') {
		if (!Number.isFinite(value)) {
			throw new FaultConfigError(
				`${where} must be a JSON value; ${String(value)} is not (send it as a raw "answer" body).`,
			);
		}
		return value;
	}
	if (Array.isArray(value)) {
		return value.map((element, index) => expectJsonValue(element, `${where}[${index}]`, depth + 1));
	}
	if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
		const copy: { [key: string]: JsonValue } = {};
		for (const [key, element] of Object.entries(value as Record<string, unknown>)) {
			// defineProperty: a key "__proto__" from JSON.parse must stay a key, not a prototype.
			Object.defineProperty(copy, key, {
				value: expectJsonValue(element, `${where}.${key}`, depth + 1),
				enumerable: true,
				writable: true,
				configurable: true,
			});
		}
		return copy;
	}
	throw new FaultConfigError(`${where} must be a JSON value (got ${typeof value}).`);
}

function expectErrorStatus(value: unknown, where: string): number {
	if (!Number.isInteger(value) || (value as number) < 400 || (value as number) > 599) {
		throw new FaultConfigError(`${where}.status must be an HTTP error status (400-599).`);
	}
	return value as number;
}

function expectObject(value: unknown, where: string): Record<string, unknown> {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		throw new FaultConfigError(`${where} must be an object.`);
	}
	return value as Record<string, unknown>;
}

/** Unknown keys are refused: a typo such as `time` would otherwise make a rule unlimited. */
function expectOnlyKeys(value: Record<string, unknown>, allowed: string[], where: string): void {
	const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
	if (unknown.length > 0) {
		throw new FaultConfigError(
			`${where} has unknown field(s) ${unknown.join(', ')}; allowed: ${allowed.join(', ')}.`,
		);
	}
}
