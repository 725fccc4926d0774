/**
 * What one item came to, as the per-item steps hand it to outputs.ts: a verdict's JSON or a
 * failure, with the NIK as the item shows it. Mask NIK is not applied here: it is applied once,
 * where the item (or its error) leaves the node.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import type { Failure } from './common';

/** The NIK of an item, as its output and errors show it, and whether Mask NIK hides it there. */
export interface NikOnOutput {
	/**
	 * What `identityId` shows: the 16-digit NIK sent, or the text given when it is no NIK (cut
	 * short); null when there is nothing to show (an object, or no parameters could be read).
	 */
	shown: string | null;
	/** The 16-digit NIK sent to Kredibel, whose every spelling Mask NIK hides; '' when none. */
	sent: string;
	/** Mask NIK, as the item's options set it. */
	mask: boolean;
}

/** For a failure before the item's parameters could be read. */
const NO_NIK: NikOnOutput = { shown: null, sent: '', mask: false };

export type ItemOutcome =
	| { ok: true; json: IDataObject; binary?: INodeExecutionData['binary']; nik: NikOnOutput }
	| {
			ok: false;
			failure: Failure;
			attempts: number;
			nik: NikOnOutput;
			raw?: IDataObject;
			/** True when the failure is another item's, run's or execution's answer. */
			reused?: boolean;
	  };

export type FailedOutcome = Extract<ItemOutcome, { ok: false }>;

/** A failure no request was made for: a local check, or an item never started. */
export function localOutcome(failure: Failure, nik: NikOnOutput = NO_NIK): FailedOutcome {
	return { ok: false, failure, attempts: 0, nik };
}
