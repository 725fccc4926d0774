/**
 * Everything one item needs before anything goes to Kredibel, done once: its parameters, its NIK,
 * its image (read or downloaded, checked), Prepare Photo and, once it exists, Face Check. The
 * result is small: the bytes to send or a Failure, with the records the output item carries.
 * `checkItemCheaply` is the part that reads nothing (no binary data, no download, no decoding).
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { cutText, type Failure, localFailure } from './common';
import { checkImageSource, type ImageAccess, readImage, type ImageRequest } from './image';
import { type FailedOutcome, localOutcome, type NikOnOutput } from './itemOutcome';
import { readItemSettings, type ItemSettings } from './itemSettings';
import { validateNik } from './nik';
import type { PhotoChanges } from './photo';
import { preparePhotoBytes } from './photoStep';
import {
	TOOL_DOWNLOAD_FAILED_HINT,
	TOOL_DOWNLOAD_FAILED_REASON,
	toolClock,
	waitForToolFailureTime,
} from './toolMode';

/** What the node file hands every item's steps: the run's input and n8n's helpers. */
export interface ItemRun {
	context: IExecuteFunctions;
	items: INodeExecutionData[];
	/** The node runs as an AI agent tool: a failed link tells the model no more than that. */
	asTool: boolean;
	isCancelled: () => boolean;
	/** Everything the image room needs but the item itself. */
	imageAccess: ImageAccess;
}

export type PreparedItem =
	| {
			ok: true;
			settings: ItemSettings;
			nik: NikOnOutput;
			/** The 16-digit NIK to send. */
			sentNik: string;
			/** The bytes to send. */
			image: Buffer;
			/** What Prepare Photo changed (null: nothing); absent when the photo was not prepared. */
			photo?: PhotoChanges | null;
			/** Face Check's record for the output item; absent until Face Check fills it. */
			faceCheck?: IDataObject;
	  }
	| FailedOutcome;

/**
 * What the stop-on-error check established about a photo that goes out as it was read (Prepare
 * Photo changed nothing): the send pass reads the same bytes (for a link, `sameAsChecked` makes
 * sure) and need not prepare, decode or look for a face in them again.
 */
export interface CheckedPhoto {
	photo: null;
	faceCheck?: IDataObject;
}

type ReadItem =
	| { ok: true; settings: ItemSettings; nik: NikOnOutput; sentNik: string }
	| FailedOutcome;

/** The item's parameters and NIK. */
function readItem(run: ItemRun, itemIndex: number): ReadItem {
	const read = readItemSettings(run.context, itemIndex);
	if (!read.ok) return localOutcome(read.failure);
	const { settings } = read;
	const nik = validateNik(settings.nikParameter, settings.nikValidation);
	if (!nik.ok) {
		return localOutcome(localFailure('invalid_identity_id', nik.reason, nik.hint), {
			shown: shownNikParameter(settings.nikParameter),
			sent: '',
			mask: settings.maskIdentityId,
		});
	}
	return {
		ok: true,
		settings,
		sentNik: nik.nik,
		nik: { shown: nik.nik, sent: nik.nik, mask: settings.maskIdentityId },
	};
}

/**
 * What can fail an item without reading anything: parameters, NIK, a link's address, a missing
 * binary property. Undefined: nothing wrong so far.
 */
export function checkItemCheaply(run: ItemRun, itemIndex: number): FailedOutcome | undefined {
	const read = readItem(run, itemIndex);
	if (!read.ok) return read;
	const refused = checkImageSource(read.settings, run.items[itemIndex]);
	return refused ? localOutcome(forCaller(run, read.settings, refused), read.nik) : undefined;
}

/** The item made ready to send, or the reason it cannot be. Never throws. */
export async function prepareItem(
	run: ItemRun,
	itemIndex: number,
	checkedPhoto?: CheckedPhoto,
): Promise<PreparedItem> {
	const read = readItem(run, itemIndex);
	if (!read.ok) return read;
	const { settings, nik, sentNik } = read;
	const ready = (image: Buffer, photo?: PhotoChanges | null, faceCheck?: IDataObject) => ({
		ok: true as const,
		settings,
		nik,
		sentNik,
		image,
		photo,
		faceCheck,
	});
	const toolLink = answersToolWithoutReason(run, settings);
	const startedAt = toolClock.now();
	const photo = await readAndPreparePhoto(run, itemIndex, settings, toolLink, checkedPhoto);
	if (photo.ok) return ready(photo.bytes, photo.photo, photo.faceCheck);
	if (!toolLink) return localOutcome(photo.failure, nik);
	// The model learns that the image did not come, not why, and not sooner for one reason than
	// for another.
	await waitForToolFailureTime(startedAt);
	return localOutcome(toolDownloadFailure(), nik);
}

type PhotoReady =
	| { ok: true; bytes: Buffer; photo?: PhotoChanges | null; faceCheck?: IDataObject }
	| { ok: false; failure: Failure };

/** The image read (or downloaded) and, with Prepare Photo on, prepared. */
async function readAndPreparePhoto(
	run: ItemRun,
	itemIndex: number,
	settings: ItemSettings,
	toolLink: boolean,
	checkedPhoto: CheckedPhoto | undefined,
): Promise<PhotoReady> {
	// As a tool a failed link is not retried: retries would make a passing failure (a 503, a
	// refused connection) take longer than the others.
	const request = toolLink ? { ...settings, maxRetries: 0 } : settings;
	const image = await readImage(request, run.imageAccess, run.items[itemIndex], itemIndex);
	if (!image.ok) return image;
	if (!settings.preparePhoto) return { ok: true, bytes: image.bytes };
	if (checkedPhoto !== undefined) {
		return { ok: true, bytes: image.bytes, photo: null, faceCheck: checkedPhoto.faceCheck };
	}
	const prepared = await preparePhotoBytes(image.bytes, settings.maxImageBytes, run.isCancelled);
	if (!prepared.ok) return prepared;
	// Face Check slots in here, once per item: findFaces on the picture preparePhoto decoded, with
	// the item's Face Check option, fills `faceCheck` or fails the item before any request.
	return { ok: true, bytes: prepared.bytes, photo: prepared.photo };
}

/**
 * As a tool, with a link given, every failure of the image reads the same to the model: it
 * learns that the image did not come, not why (which would let it map the network the n8n host
 * sits in), and the image host's own words cannot talk to it.
 */
function answersToolWithoutReason(run: ItemRun, request: ImageRequest): boolean {
	if (!run.asTool || request.imageSource !== 'url') return false;
	const url = request.imageUrl;
	// An empty field is the model's own mistake, and says nothing about any network.
	return !(url === undefined || url === null || (typeof url === 'string' && url.trim() === ''));
}

function forCaller(run: ItemRun, request: ImageRequest, failure: Failure): Failure {
	return answersToolWithoutReason(run, request) ? toolDownloadFailure() : failure;
}

function toolDownloadFailure(): Failure {
	return localFailure(
		'image_download_failed',
		TOOL_DOWNLOAD_FAILED_REASON,
		TOOL_DOWNLOAD_FAILED_HINT,
	);
}

/** The NIK parameter as the error item shows it: short text only, or nothing. */
function shownNikParameter(value: unknown): string | null {
	if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') {
		// An object or list may hold anything, up to the selfie itself: it is not copied.
		return null;
	}
	return cutText(String(value), 32);
}
