/**
 * What one call to Kredibel (with the node's own retries) came to: the unit the node remembers,
 * shares between items for the same applicant, and reuses across runs and executions.
 */
import type { IDataObject } from 'n8n-workflow';

import type { BiometricData } from './apiResponse';
import type { Failure } from '../common';

export interface Answer {
	result: { ok: true; data: BiometricData } | { ok: false; failure: Failure };
	attempts: number;
	/** Kredibel's JSON, as received, for Include Raw Response. */
	raw?: IDataObject;
}

/** An answer that may have cost money must never be paid for again; a free one may be retried. */
export function mayHaveCharged(answer: Answer): boolean {
	return answer.result.ok || answer.result.failure.charged !== false;
}
