/**
 * The face detector room's entry point: outside code imports only this file. `findFaces` runs
 * MediaPipe's BlazeFace short-range in this package's own TypeScript on a decoded picture and says
 * whether it shows one face, none or several (and which way up), with the measures of the face;
 * the thresholds it decides with are exported for documentation and reports.
 */
export {
	FACE_SCORE,
	SIMILAR_CONTRAST,
	SIMILAR_SIZE,
	TILE_FACE_SCORE,
	TURNED_FACE_SCORE,
} from './decision';
export { findFaces, type FaceFinding, type FindFacesOptions } from './findFaces';
export type { FaceBox, QuarterTurns } from './views';
export { boxInStoredPicture } from './measures';
