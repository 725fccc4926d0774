/**
 * Face Check for one item, between the photo step and any request (DESIGN.md "Face Check"):
 * looks for the applicant's face in the picture that would be sent, refuses (with `refuse`) a
 * photo with no face or several similar faces, free, turns a photo held sideways without an
 * orientation tag so that the face is upright, and writes what was seen into the item's
 * `faceCheck` record. The detector runs once per photo in an execution: items with the same
 * photo share its finding (`FaceFindings`, keyed by the digest the ledger uses).
 */
import type { IDataObject } from 'n8n-workflow';

import { cutText, type Failure, localFailure, yieldingCheckpoint } from './common';
import {
	boxInStoredPicture,
	type FaceBox,
	type FaceFinding,
	findFaces,
	type QuarterTurns,
} from './face';
import type { FaceCheckMode } from './itemSettings';
import { decodePhoto, PhotoError, type Picture } from './photo';
import type { PhotoRecord, PreparedBytes } from './photoStep';
import { imageDigest } from './reuse';

/** What the detector made of one photo, shared by the items that send it. */
type Look =
	| { ok: true; finding: FaceFinding; picture: Pick<Picture, 'width' | 'height'> }
	| { ok: false; error: PhotoError | Error };

/** One execution's findings, by photo (see `lookOnce`). */
export type FaceFindings = Map<string, Promise<Look>>;

/** The photo as the photo step left it. */
export interface PhotoToCheck {
	/** The bytes that would be sent. */
	bytes: Buffer;
	/** Their decoded upright picture, when the photo step made one. */
	preview: Picture | null;
	/** Whether the original carried an orientation tag; undefined when the step did not read it. */
	orientationTagged?: boolean;
	/**
	 * Prepare Photo on: the photo prepared again with extra clockwise quarter turns. Absent with
	 * Prepare Photo off, where the bytes are never altered and a needed turn is only reported.
	 */
	prepareTurned?: (quarterTurns: QuarterTurns) => Promise<PreparedBytes>;
}

export interface FaceCheckContext {
	mode: Exclude<FaceCheckMode, 'off'>;
	findings: FaceFindings;
	isCancelled: () => boolean;
	/** As an AI agent tool: the refusal tells the model what to ask for, nothing of the detector. */
	asTool: boolean;
}

export type FaceChecked =
	| {
			ok: true;
			bytes: Buffer;
			/** `imageDigest(bytes)` when the bytes are those given (not turned), for the ledger. */
			digest?: string;
			/** The photo record after a turn (absent: the photo step's record stands). */
			turnedPhoto?: PhotoRecord;
			faceCheck: IDataObject;
	  }
	| { ok: false; failure: Failure; faceCheck?: IDataObject };

export async function checkFace(
	photo: PhotoToCheck,
	context: FaceCheckContext,
): Promise<FaceChecked> {
	const digest = imageDigest(photo.bytes);
	const look = await lookOnce(photo, digest, context);
	if (!look.ok) return notLooked(look.error, photo, context);
	const { finding } = look;
	const refused = context.mode === 'refuse' && finding.verdict !== 'face';
	const turns = finding.verdict === 'no_face' || refused ? 0 : finding.quarterTurns;
	if (refused) {
		const faceCheck = faceCheckRecord(finding, true);
		return { ok: false, failure: refusal(finding, context.asTool), faceCheck };
	}
	if (turns !== 0 && photo.prepareTurned) {
		const turned = await photo.prepareTurned(turns);
		const faceCheck = faceCheckRecord(finding, false);
		// Turned, the photo is always encoded again, so it has a record of changes.
		if (!turned.ok || turned.photo === null) {
			const failure = turned.ok ? turnFailed() : turned.failure;
			return { ok: false, failure, faceCheck };
		}
		const turnedPhoto = { ...turned.photo, turnedForFace: 90 * turns };
		return { ok: true, bytes: turned.bytes, turnedPhoto, faceCheck };
	}
	// Prepare Photo off: the bytes go as they are; the box is given in their picture, and the turn
	// that would stand the face upright is reported.
	const record =
		turns === 0
			? faceCheckRecord(finding, false)
			: {
					...faceCheckRecord(
						{ ...finding, box: finding.box && boxBeforeTurn(look.picture, turns, finding.box) },
						false,
					),
					turnNeeded: 90 * turns,
				};
	return { ok: true, bytes: photo.bytes, digest, faceCheck: record };
}

/**
 * The detector's finding for this photo, computed by the first item that sends it. The key is
 * the digest of the bytes sent (the ledger's applicant digest) and whether the photo may be
 * turned, which the bytes alone do not say once preparation has dropped the orientation tag.
 */
async function lookOnce(
	photo: PhotoToCheck,
	digest: string,
	context: FaceCheckContext,
): Promise<Look> {
	const tag =
		photo.orientationTagged === undefined
			? 'as sent'
			: photo.orientationTagged
				? 'tagged'
				: 'untagged';
	const key = `${digest}\u0000${tag}`;
	let look = context.findings.get(key);
	if (look === undefined) {
		look = detect(photo, context.isCancelled);
		context.findings.set(key, look);
	}
	return await look;
}

async function detect(photo: PhotoToCheck, isCancelled: () => boolean): Promise<Look> {
	const cancelled = () => new PhotoError('cancelled', 'The execution was cancelled');
	const checkpoint = yieldingCheckpoint(isCancelled, cancelled);
	let picture = photo.preview;
	let orientationTagged = photo.orientationTagged;
	if (picture === null) {
		// Prepare Photo off: the bytes go as they are, undecoded, and the face check must see their
		// pixels all the same.
		const decoded = await decodePhoto(photo.bytes, { checkpoint });
		if (!decoded.ok) return decoded;
		picture = decoded.picture;
		orientationTagged ??= decoded.orientationTagged;
	}
	try {
		const finding = await findFaces(picture, { mayTurn: orientationTagged === false, checkpoint });
		return { ok: true, finding, picture: { width: picture.width, height: picture.height } };
	} catch (error) {
		return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
	}
}

/** `faceCheck` on the output item: what the detector saw, rounded to what can be told apart. */
export function faceCheckRecord(finding: FaceFinding, refused: boolean): IDataObject {
	const { box } = finding;
	return {
		faces: finding.faces,
		score: roundTo(finding.score, 3),
		box:
			box === null
				? null
				: {
						x: roundTo(box.x, 3),
						y: roundTo(box.y, 3),
						width: roundTo(box.width, 3),
						height: roundTo(box.height, 3),
					},
		sharpness: roundTo(finding.sharpness, 1),
		brightness: roundTo(finding.brightness, 3),
		refused,
	};
}

function roundTo(value: number | null, decimals: number): number | null {
	if (value === null || !Number.isFinite(value)) return null;
	const scale = 10 ** decimals;
	return Math.round(value * scale) / scale;
}

/**
 * A face box given 0-1 of the picture turned by `quarterTurns`, as 0-1 of the picture before the
 * turn (`picture` is that picture): for a photo whose bytes are sent unturned.
 */
export function boxBeforeTurn(
	picture: Pick<Picture, 'width' | 'height'>,
	quarterTurns: QuarterTurns,
	box: FaceBox,
): FaceBox {
	const { left, top, right, bottom } = boxInStoredPicture(picture, quarterTurns, box);
	return {
		x: left / picture.width,
		y: top / picture.height,
		width: (right - left) / picture.width,
		height: (bottom - top) / picture.height,
	};
}

function turnFailed(): Failure {
	return localFailure(
		'configuration_error',
		'Face Check could not turn the photo upright',
		'Please report this as a bug. To send the photo as it is, set the option Face Check to Report Only or Off.',
	);
}

/** Why the photo was refused, in words the applicant can act on. */
function refusal(finding: FaceFinding, asTool: boolean): Failure {
	const retake = 'facing the camera, the whole face inside the picture, in enough light';
	if (finding.verdict === 'several_faces') {
		return asTool
			? localFailure(
					'several_faces',
					'The photo shows more than one face.',
					'Ask the user for a new selfie with only their own face in it, then call the tool again with it.',
				)
			: localFailure(
					'several_faces',
					`The photo shows ${finding.faces} faces of similar size, so it was not sent: Kredibel could not know which face to compare (not charged)`,
					`Ask the applicant for a selfie with only their own face in it, ${retake}. If you are sure the photo is right, set the option Face Check to Report Only or Off.`,
				);
	}
	return asTool
		? localFailure(
				'no_face_found',
				'The photo shows no usable face.',
				`Ask the user for a new selfie, ${retake}, then call the tool again with it.`,
			)
		: localFailure(
				'no_face_found',
				'No face was found in the photo, so it was not sent to Kredibel, which would have charged for it (not charged)',
				`Ask the applicant for a new selfie, ${retake}. If you are sure the photo shows a face, set the option Face Check to Report Only or Off.`,
			);
}

/**
 * A photo the face check could not look at: with Prepare Photo off, bytes the codec cannot decode
 * (which the user sends as they are). `refuse` does not guess that they hold a face; `report`
 * sends them and says the check did not run.
 */
function notLooked(error: Error, photo: PhotoToCheck, context: FaceCheckContext): FaceChecked {
	const offHint =
		'To send this photo without looking for a face, set the option Face Check to Off.';
	const hint =
		photo.prepareTurned === undefined
			? `Turn Prepare Photo on so that the photo is converted, or send a standard JPEG or PNG. ${offHint}`
			: `Send a smaller or standard JPEG or PNG. ${offHint}`;
	if (!(error instanceof PhotoError)) {
		// Not the photo's fault: the detector itself failed. Fail closed, and say so.
		return {
			ok: false,
			failure: localFailure(
				'configuration_error',
				`Face Check failed: ${cutText(error.message, 200)}`,
				'Please report this as a bug. To send the photo without looking for a face, set the option Face Check to Off.',
			),
		};
	}
	if (error.kind === 'cancelled') {
		return {
			ok: false,
			failure: localFailure(
				'cancelled',
				error.message,
				'The execution was stopped; run it again to verify this item.',
			),
		};
	}
	const reason = `Face Check could not read the photo (${cutText(error.message, 200)})`;
	if (context.mode === 'report') {
		const faceCheck: IDataObject = {
			faces: null,
			score: null,
			box: null,
			sharpness: null,
			brightness: null,
			refused: false,
			notChecked: reason,
		};
		return { ok: true, bytes: photo.bytes, faceCheck };
	}
	return {
		ok: false,
		failure: localFailure('unsupported_image_format', `${reason}, so it was not sent`, hint),
	};
}
