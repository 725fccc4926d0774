/**
 * Why this file exists: the JPEG tests need photo-like pictures of any size without binary files
 * in the repository: the seeded pictures of syntheticPhoto.ts, encoded and decoded by libjpeg's
 * own tools (cjpeg, djpeg) as the reference.
 */

import type { Picture } from '../../../nodes/KredibelBiometric/photo/picture';
import { ensureDebianTool, runTool, writePnm } from '../../helpers/referenceTools';

export { syntheticPhoto } from './syntheticPhoto';

/** Encodes with libjpeg-turbo's cjpeg and the given options (e.g. -quality 90 -sample 2x2). */
export function cjpeg(picture: Picture, args: string[]): Uint8Array {
	const tool = ensureDebianTool('cjpeg', 'libjpeg-turbo-progs');
	return new Uint8Array(runTool(tool, args, writePnm(picture)));
}

/** Decodes with libjpeg-turbo's djpeg (-pnm output), with extra options such as -scale 1/2. */
export function djpeg(jpeg: Uint8Array, args: string[] = []): Buffer {
	const tool = ensureDebianTool('djpeg', 'libjpeg-turbo-progs');
	return runTool(tool, ['-pnm', ...args], jpeg);
}

/** A CMYK JPEG of `picture` as GraphicsMagick writes one (Adobe APP14, inverted, like Photoshop). */
export function gmCmykJpeg(picture: Picture, quality = 95): Uint8Array {
	const gm = ensureDebianTool('gm', 'graphicsmagick');
	const args = ['convert', 'ppm:-', '-colorspace', 'CMYK', '-quality', String(quality), 'jpeg:-'];
	return new Uint8Array(runTool(gm, args, writePnm(picture)));
}
