/**
 * Orientation against GraphicsMagick: its -auto-orient reads the same EXIF tag from a JPEG and
 * must produce the very pixels applyOrientation makes of djpeg's decode (libjpeg-turbo on both
 * sides, so the comparison is exact), and its lossless PPM rotations cover odd sizes.
 */
import { applyOrientation } from '../../../nodes/KredibelBiometric/photo/orientation';
import { PhotoError, type Picture } from '../../../nodes/KredibelBiometric/photo/picture';
import { exifBody, segment, withSegments } from './exifFixture';
import { STORED_TOP_LEFT_GOES_TO } from './phonePhoto';
import { ensureDebianTool, readPnm, runTool, writePnm } from '../../helpers/referenceTools';
import { syntheticPhoto } from './syntheticPhoto';

const CJPEG = ensureDebianTool('cjpeg', 'libjpeg-turbo-progs');
const DJPEG = ensureDebianTool('djpeg', 'libjpeg-turbo-progs');
const GM = ensureDebianTool('gm', 'graphicsmagick');

/**
 * GraphicsMagick operations equivalent to each orientation, on a PPM (lossless). GraphicsMagick
 * 1.3 has no -transpose/-transverse: they are a quarter turn then a mirror.
 */
const GM_OPERATIONS: Record<number, string[]> = {
	1: [],
	2: ['-flop'],
	3: ['-rotate', '180'],
	4: ['-flip'],
	5: ['-rotate', '90', '-flop'],
	6: ['-rotate', '90'],
	7: ['-rotate', '90', '-flip'],
	8: ['-rotate', '270'],
};

const gmConvert = (input: Uint8Array, operations: string[]): Picture =>
	readPnm(runTool(GM, ['convert', '-', ...operations, 'ppm:-'], input));

/** A picture whose top-left 3x2 pixels are pure red, everything else dark blue. */
function markedPicture(width: number, height: number): Picture {
	const data = new Uint8Array(width * height * 3);
	for (let y = 0; y < height; y++) {
		for (let x = 0; x < width; x++) {
			data.set(x < 3 && y < 2 ? [255, 0, 0] : [0, 0, 80], (y * width + x) * 3);
		}
	}
	return { width, height, channels: 3, data };
}

const isRed = (picture: Picture, x: number, y: number): boolean =>
	picture.data[(y * picture.width + x) * 3] === 255;

describe('applyOrientation', () => {
	it.each([1, 2, 3, 4, 5, 6, 7, 8])(
		'turns orientation %i upright exactly as gm -auto-orient does on the same JPEG',
		async (orientation) => {
			const jpeg = Uint8Array.from(
				runTool(CJPEG, ['-quality', '90'], writePnm(syntheticPhoto(72, 40))),
			);
			const tagged = withSegments(jpeg, segment(0xe1, exifBody({ byteOrder: 'MM', orientation })));
			const ours = await applyOrientation(readPnm(runTool(DJPEG, [], tagged)), orientation);
			const reference = gmConvert(tagged, ['-auto-orient']);
			expect([ours.width, ours.height]).toEqual(orientation >= 5 ? [40, 72] : [72, 40]);
			expect(Buffer.from(ours.data).equals(Buffer.from(reference.data))).toBe(true);
		},
	);

	it.each([
		[1, 1],
		[1, 7],
		[7, 1],
		[5, 3],
		[33, 17],
	])(
		'matches gm on a %ix%i picture for every orientation, grey and colour',
		async (width, height) => {
			for (const channels of [3, 1] as const) {
				const picture = syntheticPhoto(width, height, channels, width + height);
				for (let orientation = 1; orientation <= 8; orientation++) {
					const ours = await applyOrientation(picture, orientation);
					const reference = gmConvert(writePnm(picture), GM_OPERATIONS[orientation]);
					// gm writes PPM for both; compare grey through its first channel.
					const referenceData =
						channels === 3 ? reference.data : reference.data.filter((_, i) => i % 3 === 0);
					expect([orientation, ours.width, ours.height, ours.channels]).toEqual([
						orientation,
						reference.width,
						reference.height,
						channels,
					]);
					expect(Buffer.from(ours.data).equals(Buffer.from(referenceData))).toBe(true);
				}
			}
		},
	);

	it('puts the marked first stored corner where each orientation says it belongs', async () => {
		const picture = markedPicture(10, 6);
		for (let orientation = 1; orientation <= 8; orientation++) {
			const upright = await applyOrientation(picture, orientation);
			const right = upright.width - 1;
			const bottom = upright.height - 1;
			const corners = {
				'top-left': isRed(upright, 0, 0),
				'top-right': isRed(upright, right, 0),
				'bottom-right': isRed(upright, right, bottom),
				'bottom-left': isRed(upright, 0, bottom),
			};
			const red = Object.entries(corners)
				.filter(([, value]) => value)
				.map(([name]) => name);
			expect([orientation, red]).toEqual([orientation, [STORED_TOP_LEFT_GOES_TO[orientation]]]);
			// The 3x2 mark is 2 wide and 3 tall once rows and columns are swapped.
			const swapped = orientation >= 5;
			let marked = 0;
			for (let i = 0; i < upright.data.length; i += 3) if (upright.data[i] === 255) marked++;
			expect(marked).toBe(6);
			expect([upright.width, upright.height]).toEqual(swapped ? [6, 10] : [10, 6]);
		}
	});

	it('returns the picture itself for orientation 1 and reserved values', async () => {
		const picture = syntheticPhoto(4, 3);
		for (const orientation of [1, 0, 9, -1, 2.5, Number.NaN]) {
			expect(await applyOrientation(picture, orientation)).toBe(picture);
		}
	});

	it('checks in every 64 output rows and refuses a picture short of samples', async () => {
		let calls = 0;
		await applyOrientation(syntheticPhoto(130, 20), 6, () => void calls++);
		expect(calls).toBe(2);
		const short = { width: 4, height: 4, channels: 3 as const, data: new Uint8Array(10) };
		await expect(applyOrientation(short, 3)).rejects.toBeInstanceOf(PhotoError);
	});
});
