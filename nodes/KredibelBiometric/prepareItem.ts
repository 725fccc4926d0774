/**
 * Everything one item needs before anything goes to Kredibel, done once: its parameters, its NIK,
 * its image (read or downloaded, checked), Prepare Photo and Face Check. The result is small: the
 * bytes to send or a Failure, with the records the output item carries.
 * `checkItemCheaply` is the part that reads nothing (no binary data, no download, no decoding).
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { cutText, type Failure, localFailure } from './common';
import { checkFace, type FaceFindings, type PhotoToCheck } from './faceStep';
import { checkImageSource, type ImageAccess, readImage, type ImageRequest } from './image';
import { type FailedOutcome, localOutcome, type NikOnOutput } from './itemOutcome';
import { readItemSettings, type ItemSettings } from './itemSettings';
import { validateNik } from './nik';
import { type PhotoRecord, preparePhotoBytes } from './photoStep';
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
	/** Face Check's findings in this execution, so that each photo is looked at once. */
	faceFindings: FaceFindings;
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
			/** `imageDigest(image)`, when Face Check already computed it. */
			digest?: string;
			/** What Prepare Photo changed (null: nothing); absent when the photo was not prepared. */
			photo?: PhotoRecord | null;
			/** Face Check's record for the output item; absent with Face Check off. */
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
	const toolLink = answersToolWithoutReason(run, settings);
	const startedAt = toolClock.now();
	const photo = await readAndPreparePhoto(run, itemIndex, settings, toolLink, checkedPhoto);
	if (photo.ok) {
		const { bytes: image, digest, photo: record, faceCheck } = photo;
		return { ok: true, settings, nik, sentNik, image, digest, photo: record, faceCheck };
	}
	// A face refusal says what the photo showed, which a verdict would say too: it is not hidden
	// behind the failed-link answer.
	if (!toolLink || isFaceRefusal(photo.failure)) {
		return { ...localOutcome(photo.failure, nik), faceCheck: photo.faceCheck };
	}
	// The model learns that the image did not come, not why, and not sooner for one reason than
	// for another.
	await waitForToolFailureTime(startedAt);
	return localOutcome(toolDownloadFailure(), nik);
}

type PhotoReady =
	| {
			ok: true;
			bytes: Buffer;
			digest?: string;
			photo?: PhotoRecord | null;
			faceCheck?: IDataObject;
	  }
	| { ok: false; failure: Failure; faceCheck?: IDataObject };

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
	if (!settings.preparePhoto) {
		// The bytes go as they are; Face Check may still refuse them, never alter them.
		return await faceChecked(run, settings, { bytes: image.bytes, preview: null });
	}
	if (checkedPhoto !== undefined) {
		return { ok: true, bytes: image.bytes, photo: null, faceCheck: checkedPhoto.faceCheck };
	}
	const { maxImageBytes } = settings;
	const prepared = await preparePhotoBytes(image.bytes, maxImageBytes, run.isCancelled);
	if (!prepared.ok) return prepared;
	const toCheck: PhotoToCheck = {
		bytes: prepared.bytes,
		preview: prepared.preview,
		orientationTagged: prepared.orientationTagged,
		// A face found only in a quarter turn: the original is prepared again, turned.
		prepareTurned: async (quarterTurns) =>
			await preparePhotoBytes(image.bytes, maxImageBytes, run.isCancelled, quarterTurns),
	};
	return await faceChecked(run, settings, toCheck, prepared.photo);
}

/**
 * Face Check on the photo the step made ready (nothing with Face Check off). `photo`: the photo
 * step's record, replaced when the photo had to be turned.
 */
async function faceChecked(
	run: ItemRun,
	settings: ItemSettings,
	toCheck: PhotoToCheck,
	photo?: PhotoRecord | null,
): Promise<PhotoReady> {
	if (settings.faceCheck === 'off') return { ok: true, bytes: toCheck.bytes, photo };
	const checked = await checkFace(toCheck, {
		mode: settings.faceCheck,
		findings: run.faceFindings,
		isCancelled: run.isCancelled,
		asTool: run.asTool,
	});
	if (!checked.ok) return checked;
	const { bytes, digest, faceCheck, turnedPhoto } = checked;
	return { ok: true, bytes, digest, photo: turnedPhoto ?? photo, faceCheck };
}

function isFaceRefusal(failure: Failure): boolean {
	return failure.errorType === 'no_face_found' || failure.errorType === 'several_faces';
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
