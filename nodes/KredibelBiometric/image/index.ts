/**
 * The image room's entry point: everything that gets a selfie's bytes for one item (a binary
 * property, a base64 field, a link), with bounded reads, the rules for links (schemes, private
 * addresses, redirects) and the format and size checks. It may import `common/` and the photo
 * room's input limit. Outside code imports only this file.
 */
export { PREPARED_HINTS } from './imageBytes';
export {
	checkImageSource,
	IMAGE_SOURCES,
	readImage,
	type ImageAccess,
	type ImageRequest,
	type ImageSource,
} from './readImage';
