/**
 * The record of every API request the sandbox saw: what tests assert on ("the node sent the
 * Bearer key", "the third item was retried twice", "the image bytes arrived unchanged").
 */
import { createHash } from 'node:crypto';

export interface RequestLogEntry {
	/** 1-based arrival order, restarted by `resetLog()`. */
	seq: number;
	method: string;
	/** The path without the query string. */
	path: string;
	/** The raw query string including `?`, or '' (a key sent in the URL would show up here). */
	query: string;
	/** The raw Authorization header, so tests can check the Bearer key. */
	authorization: string | undefined;
	contentType: string | undefined;
	/** From the biometric body, whenever it is a string, whatever the outcome. */
	identityId?: string;
	/** The decoded image, when `faceImage` was valid base64. */
	faceImage?: Buffer;
	faceImageBase64Length?: number;
	/**
	 * The status the sandbox answered with; null while the request is being handled, and for
	 * requests that got no answer (a `reset` fault, or the sandbox closing meanwhile).
	 */
	status: number | null;
	/** The fault applied: the errorType for `error` faults, else the fault kind. */
	fault?: string;
	/**
	 * Whether Kredibel would have charged for this request (the credit counter dropped): 2XX
	 * answers and `no_face_detected`, also when the client never read them (a `delay` it gave up
	 * on, `cutAfterRequest`). Never 3XX, 429, 5XX, the other 4XX, `reset`, or a sandbox closing.
	 */
	charged: boolean;
	/** `performance.now()` in ms when the request arrived and when its answer was sent. */
	startedAt: number;
	endedAt: number | null;
}

/** A log entry as the control API sends it: JSON, with the image summarised. */
export type SerializedLogEntry = Omit<RequestLogEntry, 'faceImage'> & {
	faceImage?: { bytes: number; sha256: string };
};

export class RequestLog {
	private entries: RequestLogEntry[] = [];
	private nextSeq = 1;

	/**
	 * Adds an entry at arrival and returns it for the handler to complete, so that requests
	 * still in flight (a long `delay`, a client that timed out) are already visible.
	 */
	begin(fields: Omit<RequestLogEntry, 'seq' | 'status' | 'charged' | 'endedAt'>): RequestLogEntry {
		const entry: RequestLogEntry = {
			seq: this.nextSeq++,
			...fields,
			status: null,
			charged: false,
			endedAt: null,
		};
		this.entries.push(entry);
		return entry;
	}

	/** Copies, so that a test holding an earlier list does not see it change. */
	list(): RequestLogEntry[] {
		return this.entries.map((entry) => ({ ...entry }));
	}

	reset(): void {
		this.entries = [];
		this.nextSeq = 1;
	}
}

/** Charged requests per NIK sent (requests without a NIK count under ""). */
export interface Charges {
	total: number;
	perIdentityId: Record<string, number>;
	/** The NIKs charged more than once, sorted: a test of "never pay twice" wants this empty. */
	chargedMoreThanOnce: string[];
}

export function chargesOf(
	entries: readonly Pick<RequestLogEntry, 'identityId' | 'charged'>[],
): Charges {
	const perIdentityId = new Map<string, number>();
	for (const entry of entries) {
		if (!entry.charged) continue;
		const key = entry.identityId ?? '';
		perIdentityId.set(key, (perIdentityId.get(key) ?? 0) + 1);
	}
	return {
		total: [...perIdentityId.values()].reduce((sum, count) => sum + count, 0),
		perIdentityId: Object.fromEntries(perIdentityId),
		chargedMoreThanOnce: [...perIdentityId]
			.filter(([, count]) => count > 1)
			.map(([nik]) => nik)
			.sort(),
	};
}

/**
 * For other processes: image bytes become their size and hash (enough to prove they arrived
 * unchanged), and an Authorization header that does not carry the sandbox key is masked, in
 * case someone pointed a workflow with a real Kredibel key at the sandbox.
 */
export function serializeLogEntry(entry: RequestLogEntry, sandboxKey: string): SerializedLogEntry {
	const { faceImage, ...rest } = entry;
	const serialized: SerializedLogEntry = {
		...rest,
		authorization: maskForeignKey(entry.authorization, sandboxKey),
	};
	if (faceImage) {
		serialized.faceImage = {
			bytes: faceImage.length,
			sha256: createHash('sha256').update(faceImage).digest('hex'),
		};
	}
	return serialized;
}

function maskForeignKey(authorization: string | undefined, sandboxKey: string): string | undefined {
	if (authorization === undefined || authorization === `Bearer ${sandboxKey}`) {
		return authorization;
	}
	const space = authorization.indexOf(' ');
	const scheme = space === -1 ? '' : authorization.slice(0, space + 1);
	const secret = space === -1 ? authorization : authorization.slice(space + 1);
	return `${scheme}[redacted, ${secret.length} characters]`;
}
