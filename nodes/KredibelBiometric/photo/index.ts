/**
 * The photo room's entry point (the codec): outside code imports only this file.
 */
export { MAX_INPUT_BYTES, type PhotoChanges, PhotoError, preparePhoto } from './preparePhoto';
export type { Checkpoint, Picture } from './picture';
