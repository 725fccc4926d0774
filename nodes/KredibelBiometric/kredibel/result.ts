/**
 * Turns Kredibel's verdict into the node's output item and picks the output it leaves by.
 */
import type { IDataObject } from 'n8n-workflow';

import type { BiometricData } from './apiResponse';

export type VerificationResult = 'match' | 'no_match' | 'identity_invalid' | 'identity_inactive';

/** Kredibel's own threshold for `face: true`. */
const KREDIBEL_DEFAULT_THRESHOLD = 0.75;

/**
 * Output indexes when Route by Result is on. No Verdict comes first on purpose: every fallback of
 * n8n's lands on output 0 (a deactivated node's input, Always Output Data's empty item, a throw
 * under a continue mode, pinned data), so output 0 must never be a path to approval.
 */
export const OUTPUT = { noVerdict: 0, match: 1, noMatch: 2, invalidIdentity: 3 } as const;

/** The names n8n shows for the routed outputs, in output order. */
export const ROUTED_OUTPUT_NAMES = ['No Verdict', 'Match', 'No Match', 'Invalid Identity'] as const;

/**
 * Fail closed: `match` needs Kredibel's own `face: true` on a valid, active identity, and a
 * score at or above the threshold. The threshold can only make the check stricter than
 * Kredibel's; `face: false` is never a match, whatever the score.
 */
function decideResult(data: BiometricData, threshold: number): VerificationResult {
	if (data.isValid !== true) return 'identity_invalid';
	if (data.isActive !== true) return 'identity_inactive';
	if (data.face !== true) return 'no_match';
	const score = data.faceSimilarity;
	if (score === null) {
		// Without a score only Kredibel's own verdict is left, and it was made at 0.75: trusting it
		// under a stricter threshold would let through faces the user meant to reject.
		return threshold <= KREDIBEL_DEFAULT_THRESHOLD ? 'match' : 'no_match';
	}
	const scoreIsValid = Number.isFinite(score) && score >= 0 && score <= 1;
	return scoreIsValid && score >= threshold ? 'match' : 'no_match';
}

export function routeOf(result: VerificationResult): number {
	if (result === 'match') return OUTPUT.match;
	if (result === 'no_match') return OUTPUT.noMatch;
	return OUTPUT.invalidIdentity;
}

interface ShapeOptions {
	threshold: number;
	/** The NIK `identityId` shows (Mask NIK is applied where the item leaves the node). */
	shownNik: string;
	raw?: IDataObject;
	/** Whether this item's answer cost money: false when another item, run or execution paid. */
	charged: boolean;
	/** Whether the answer was another item's, run's or execution's. */
	reused: boolean;
}

export function toOutputJson(data: BiometricData, options: ShapeOptions): IDataObject {
	const json: IDataObject = {
		id: data.id,
		identityId: options.shownNik,
		isValid: data.isValid,
		isActive: data.isActive,
		face: data.face,
		faceSimilarity: data.faceSimilarity,
		result: decideResult(data, options.threshold),
		threshold: options.threshold,
		message: data.message,
		charged: options.charged,
		reused: options.reused,
	};
	if (options.raw !== undefined) json.raw = options.raw;
	return json;
}
