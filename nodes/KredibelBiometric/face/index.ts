/**
 * The face detector room's entry point: outside code imports only this file. `findFaces` runs
 * MediaPipe's BlazeFace short-range in this package's own TypeScript on a decoded picture and says
 * whether it shows one face, none or several, with the thresholds the decision uses.
 */
export { FACE_SCORE, SIMILAR_SIZE, TURNED_FACE_SCORE } from './decision';
export { findFaces, type FaceFinding, type FindFacesOptions } from './findFaces';
export type { FaceBox, QuarterTurns } from './views';
