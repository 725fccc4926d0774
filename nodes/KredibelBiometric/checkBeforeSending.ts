/**
 * Stop on error (n8n's default) ends the run at the first failed item: items sent before it would
 * have been paid for and their verdicts thrown away. So with stop on error no request is sent
 * until every item has passed every local check that can fail it. First, for every item, what
 * reads nothing (parameters, NIK, a link's address, a missing binary property), so that a bad
 * item is found before any download; then the whole preparation (reading, downloading, decoding,
 * Prepare Photo, size), at most Concurrency items at a time.
 *
 * Memory follows Concurrency, not the number of items: a checked item keeps only the digest of
 * the bytes a link gave (a link can serve other bytes when the send pass downloads it again, and
 * those are not sent: see `sameAsChecked`), unless the run has no more items than Concurrency,
 * when the prepared items themselves are kept and sent without a second preparation. A photo
 * that goes out as it was read is not prepared (decoded) a second time either.
 */
import { sleep } from 'n8n-workflow';

import { type Failure, localFailure } from './common';
import type { FailedOutcome } from './itemOutcome';
import {
	checkItemCheaply,
	type CheckedPhoto,
	type ItemRun,
	prepareItem,
	type PreparedItem,
} from './prepareItem';
import { mapInOrder } from './pool';
import { imageDigest } from './reuse';

type ReadyItem = Extract<PreparedItem, { ok: true }>;

export type CheckedItem =
	/** Prepared, and kept for the send pass. */
	| { kept: ReadyItem }
	/**
	 * Passed; for an image from a link, the digest of the bytes to send (`imageDigest`); for a
	 * photo sent as read, what the check found, so the send pass does not prepare it again.
	 */
	| { digest: string | undefined; checkedPhoto?: CheckedPhoto };

type BeforeSending =
	/** Per item; undefined for an item not checked because the execution was stopped. */
	| { ok: true; checked: Array<CheckedItem | undefined> }
	/** The first failing item by index. */
	| { ok: false; itemIndex: number; outcome: FailedOutcome };

/** The cheap pass gives the event loop back this often, as the photo code does. */
const YIELD_EVERY_MS = 20;

export async function checkBeforeSending(
	run: ItemRun,
	concurrency: number,
): Promise<BeforeSending> {
	let lastYield = Date.now();
	for (let itemIndex = 0; itemIndex < run.items.length; itemIndex++) {
		const refused = checkItemCheaply(run, itemIndex);
		if (refused) return { ok: false, itemIndex, outcome: refused };
		if (Date.now() - lastYield >= YIELD_EVERY_MS) {
			await sleep(0);
			lastYield = Date.now();
		}
	}

	const keepAll = run.items.length <= concurrency;
	let failed = false;
	const results = await mapInOrder<CheckedItem | FailedOutcome | undefined>(
		run.items.length,
		async (itemIndex) => {
			const prepared = await prepareItem(run, itemIndex);
			if (!prepared.ok) {
				failed = true;
				return prepared;
			}
			if (keepAll) return { kept: prepared };
			const fromLink = prepared.settings.imageSource === 'url';
			const digest = fromLink ? imageDigest(prepared.image) : undefined;
			if (prepared.photo !== null) return { digest };
			return { digest, checkedPhoto: { photo: null, faceCheck: prepared.faceCheck } };
		},
		{
			concurrency,
			// Items start in index order: once one failed, any item not started yet comes after it.
			shouldStop: () => failed || run.isCancelled(),
			notStarted: () => undefined,
		},
	);
	const firstBad = results.findIndex((result) => result !== undefined && 'ok' in result);
	if (firstBad !== -1) {
		return { ok: false, itemIndex: firstBad, outcome: results[firstBad] as FailedOutcome };
	}
	return { ok: true, checked: results as Array<CheckedItem | undefined> };
}

/**
 * Undefined when the bytes about to be sent are those the check prepared; else the failure: a
 * link that served another image on the second download is an error, not a verdict.
 */
export function sameAsChecked(checked: CheckedItem, digest: string): Failure | undefined {
	if (!('digest' in checked) || checked.digest === undefined || checked.digest === digest) {
		return undefined;
	}
	return localFailure(
		'image_download_failed',
		'The image link served other bytes when the node downloaded it again to send it than when every item was checked, so it was not sent',
		'Use a link that always serves the same file (a stored file, not a generated or rotating image), then run the workflow again.',
	);
}
