/**
 * The applicants the queue-mode test sends, and what the sandbox answers for each. Every
 * applicant's selfie is a JPEG tagged with the applicant's name (a JPEG comment segment), so the
 * sandbox's request log says exactly which applicant each request was for, even when several
 * applicants share one of the sandbox's fixed NIKs.
 */
import { makeJpeg } from '../../fixtures/images';
import { SANDBOX_NIKS, type RequestLogEntry } from '../../sandbox/server';

export type Channel = 'json' | 'upload' | 'retry';
/**
 * `flaky`: an invalid identity whose first request gets a 503 (free). In the `retry` channel
 * (node Max Retries 0, Retry On Fail on) that failure is what makes n8n run the node again.
 */
export type Kind = 'match' | 'noMatch' | 'invalid' | 'noFace' | 'flaky';

export interface Applicant {
	name: string;
	nik: string;
	kind: Kind;
	/**
	 * `json`: selfie as base64 in a JSON body. `upload`: a multipart file upload. `retry`: JSON,
	 * to the workflow with Retry On Fail on.
	 */
	channel: Channel;
	/** Index into the entry points (main, webhook processes) the request goes to. */
	entry: number;
	selfie: Buffer;
}

/** What the workflow's Respond to Webhook nodes answer, reduced to what the test compares. */
export interface Verdict {
	applicant: string;
	status: number;
	verdict: 'approve' | 'reject' | 'manual_review' | 'error';
	identityId: string;
	result?: string;
	faceSimilarity?: number | null;
	errorType?: string;
	charged?: boolean;
}

const TAG_PREFIX = 'kredibel-queue-e2e applicant ';

/** Distinct NIKs for the kinds the sandbox's fault rules pick out. */
const NIK_PREFIX: Record<'invalid' | 'noFace' | 'flaky', string> = {
	invalid: '3171',
	noFace: '3273',
	flaky: '3172',
};

/**
 * `count` applicants for one channel: a third each match, no match and invalid identity (each
 * invalid one with its own NIK), with `noFace` of the invalid ones turned into "no face
 * detected" (again distinct NIKs, for the sandbox's fault rules), and the first `flaky` of the
 * invalid ones turned into "503 once".
 */
export function makeApplicants(
	channel: Channel,
	count: number,
	noFace: number,
	entryPoints: number,
	firstIndex = 0,
	flaky = 0,
): Applicant[] {
	const base = makeJpeg();
	const applicants: Applicant[] = [];
	let noFaceLeft = noFace;
	let flakyLeft = flaky;
	for (let i = 0; i < count; i++) {
		const n = firstIndex + i;
		const name = `${channel}-${String(n).padStart(3, '0')}`;
		let kind: Kind = (['match', 'noMatch', 'invalid'] as const)[i % 3];
		if (kind === 'invalid' && noFaceLeft > 0 && i >= count - 3 * noFace) {
			kind = 'noFace';
			noFaceLeft--;
		} else if (kind === 'invalid' && flakyLeft > 0) {
			kind = 'flaky';
			flakyLeft--;
		}
		const nik =
			kind === 'match'
				? SANDBOX_NIKS.match
				: kind === 'noMatch'
					? SANDBOX_NIKS.noMatch
					: // 16 digits, one per applicant; a Jakarta-like prefix, then the applicant number.
						`${NIK_PREFIX[kind]}0${String(n).padStart(11, '0')}`;
		applicants.push({
			name,
			nik,
			kind,
			channel,
			entry: i % entryPoints,
			selfie: tagJpeg(base, `${TAG_PREFIX}${name}`),
		});
	}
	return applicants;
}

/** A JPEG comment segment (FF FE) right after the start-of-image marker: still a valid JPEG. */
function tagJpeg(jpeg: Buffer, comment: string): Buffer {
	const text = Buffer.from(comment, 'latin1');
	const length = Buffer.alloc(2);
	length.writeUInt16BE(text.length + 2);
	return Buffer.concat([
		jpeg.subarray(0, 2),
		Buffer.from([0xff, 0xfe]),
		length,
		text,
		jpeg.subarray(2),
	]);
}

/** The applicant a sandbox request was for, read from the selfie's comment segment. */
export function applicantOf(entry: RequestLogEntry): string | undefined {
	const image = entry.faceImage?.toString('latin1') ?? '';
	const start = image.indexOf(TAG_PREFIX);
	if (start === -1) return undefined;
	return /^[a-z]+-\d{3}/.exec(image.slice(start + TAG_PREFIX.length))?.[0];
}

/** The sandbox's documented answer for each kind, as the workflow turns it into a verdict. */
export function expectedVerdict(applicant: Applicant): Verdict {
	const common = { applicant: applicant.name, identityId: applicant.nik };
	switch (applicant.kind) {
		case 'match':
			return { ...common, status: 200, verdict: 'approve', result: 'match', faceSimilarity: 1 };
		case 'noMatch':
			return {
				...common,
				status: 200,
				verdict: 'reject',
				result: 'no_match',
				faceSimilarity: 0.24,
			};
		case 'invalid':
		case 'flaky':
			return {
				...common,
				status: 200,
				verdict: 'manual_review',
				result: 'identity_invalid',
				faceSimilarity: null,
			};
		case 'noFace':
			// Retry On Fail (on in every queue workflow) runs the node again after the failure; the
			// last try, the one n8n keeps, reused the first try's answer: charged then, not again.
			return {
				...common,
				status: 422,
				verdict: 'error',
				errorType: 'no_face_detected',
				charged: false,
			};
	}
}
