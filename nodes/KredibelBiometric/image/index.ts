/**
 * The image room's entry point: everything that gets a selfie's bytes for one item (a binary
 * property, a base64 field, a link), with bounded reads, the rules for links (schemes, private
 * addresses, redirects) and the format and size checks. Outside code imports only this file.
 */
export { checkImageLink, readImage, type ImageRead } from './readImage';
