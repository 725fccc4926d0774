/**
 * Why this file exists: a damaged photo must come out as libjpeg shows it where libjpeg recovers
 * (issue 24): resynchronised at the next restart marker after bad entropy data, a redundant DNL
 * marker read past, and what was truly lost mid-grey; and a photo mostly missing is refused. The
 * damaged files are made here from clean cjpeg files, and each of our pictures is compared with
 * djpeg's on the very same bytes (PSNR).
 */
import { PhotoBudget } from '../../../nodes/KredibelBiometric/photo/budget';
import { readJpeg } from '../../../nodes/KredibelBiometric/photo/jpegDecode';
import { readJpegHeader } from '../../../nodes/KredibelBiometric/photo/jpegHeader';
import { stripJpegMetadata } from '../../../nodes/KredibelBiometric/photo/jpegStrip';
import type { Picture } from '../../../nodes/KredibelBiometric/photo/picture';
import {
	MAX_LOST_FRACTION,
	type PreparedPhoto,
	preparePhoto,
} from '../../../nodes/KredibelBiometric/photo/preparePhoto';
import { damagedByMarker } from '../../helpers/hostile/jpeg';
import { psnr, readPnm } from '../../helpers/referenceTools';
import { cjpeg, djpeg } from './photoFixtures';
import { markedPhoto } from './phonePhoto';

const MB = 1024 * 1024;

/** djpeg's picture of a file, also when it exits 2 after a warning (damaged data). */
function reference(jpeg: Uint8Array): Picture {
	try {
		return readPnm(djpeg(jpeg));
	} catch (error) {
		const stdout = (error as { stdout?: Buffer }).stdout;
		if (stdout && stdout.length > 0) return readPnm(stdout);
		throw error;
	}
}

/** Share of samples equal to 128 (what lost blocks decode to). */
function greyShare(picture: Picture): number {
	let grey = 0;
	for (const sample of picture.data) if (sample === 128) grey++;
	return grey / picture.data.length;
}

function sent(result: PreparedPhoto): Extract<PreparedPhoto, { ok: true }> {
	if (!result.ok) throw new Error(`refused: ${result.error.message}`);
	return result;
}

const photo = markedPhoto(640, 480);
const withRestarts = cjpeg(photo, ['-quality', '90', '-restart', '1']);
const withoutRestarts = cjpeg(photo, ['-quality', '90']);

/** The file with an FF 9F pair a third of the way into its entropy data. */
function withMarkerPair(jpeg: Uint8Array, fraction = 1 / 3): Uint8Array {
	const copy = Uint8Array.from(jpeg);
	const sos = Buffer.from(copy).indexOf(Buffer.from([0xff, 0xda]));
	let at = sos + Math.floor((copy.length - sos) * fraction);
	while (copy[at] === 0xff || copy[at - 1] === 0xff || copy[at + 1] === 0xff) at++;
	copy.set([0xff, 0x9f], at);
	return copy;
}

describe('damaged entropy data, against djpeg on the same bytes', () => {
	it('resynchronises at the next restart marker after an FF 9F pair, as djpeg does', async () => {
		const damaged = damagedByMarker();
		const ours = (await readJpeg(damaged, { scale: 1 })).picture;
		const theirs = reference(damaged);
		const clean = (await readJpeg(withRestarts, { scale: 1 })).picture;
		// Identical to libjpeg, and nearly all of the picture recovered (one MCU row lost at most).
		expect(psnr(ours, theirs)).toBeGreaterThanOrEqual(40);
		expect(greyShare(ours)).toBeLessThan(0.05);
		expect(psnr(ours, clean)).toBeGreaterThanOrEqual(20);
	});

	it('reports the damage, and preparePhoto sends it re-encoded, never as its own bytes', async () => {
		const damaged = damagedByMarker();
		const reading = await readJpeg(damaged, { scale: 1 });
		expect(reading.damage.problems).toContain('damaged picture data');
		expect(reading.damage.lostFraction).toBeLessThan(0.05);
		const result = sent(await preparePhoto(damaged, { maxBytes: MB }));
		expect(result.changes?.reencoded).toBe(true);
		expect(psnr(readPnm(djpeg(result.bytes)), reference(damaged))).toBeGreaterThanOrEqual(30);
	});

	it('loses only the intervals that held bad Huffman codes', async () => {
		const damaged = Uint8Array.from(withRestarts);
		const sos = Buffer.from(damaged).indexOf(Buffer.from([0xff, 0xda]));
		// Ten scattered bytes set to all ones (never a marker: not 0xff itself).
		for (let i = 1; i <= 10; i++) {
			const at = sos + 20 + Math.floor(((damaged.length - sos - 40) * i) / 11);
			if (damaged[at] !== 0xff && damaged[at - 1] !== 0xff) damaged[at] = 0xfe;
		}
		const reading = await readJpeg(damaged, { scale: 1 });
		expect(reading.damage.lostFraction).toBeLessThan(0.2);
		const clean = (await readJpeg(withRestarts, { scale: 1 })).picture;
		// djpeg paints noise where we paint grey in those intervals; elsewhere both are the photo.
		expect(psnr(reading.picture, reference(damaged))).toBeGreaterThanOrEqual(15);
		expect(psnr(reading.picture, clean)).toBeGreaterThanOrEqual(15);
	});

	it('without restart markers loses the rest of the scan, and refuses a photo mostly missing', async () => {
		const damaged = withMarkerPair(withoutRestarts);
		const reading = await readJpeg(damaged, { scale: 1 });
		expect(psnr(reading.picture, reference(damaged))).toBeGreaterThanOrEqual(40);
		expect(reading.damage.lostFraction).toBeGreaterThan(MAX_LOST_FRACTION);
		const result = await preparePhoto(damaged, { maxBytes: MB });
		expect(result.ok ? 'sent' : result.error.kind).toBe('corrupt');
		if (!result.ok) expect(result.error.message).toMatch(/% of the picture is missing/);
	});
});

describe('truncated files: how much is missing decides', () => {
	// A progressive file's first fifth holds every first pass here (the rest refines): cut at 30%
	// it is whole but for precision; cut at 5% it has not even all of its DC scan.
	it.each([
		['baseline', withoutRestarts, 0.93, 0.4],
		['progressive', cjpeg(photo, ['-quality', '90', '-progressive']), 0.3, 0.05],
	] as const)(
		'%s: a little missing is sent as djpeg shows it, most missing is refused',
		async (_kind, jpeg, keptShare, mostlyCutShare) => {
			const nearlyWhole = jpeg.subarray(0, Math.floor(jpeg.length * keptShare));
			const reading = await readJpeg(nearlyWhole, { scale: 1 });
			expect(reading.damage.lostFraction).toBeLessThanOrEqual(MAX_LOST_FRACTION);
			expect(psnr(reading.picture, reference(nearlyWhole))).toBeGreaterThanOrEqual(30);
			const result = sent(await preparePhoto(nearlyWhole, { maxBytes: MB }));
			expect(result.changes?.reencoded).toBe(true);

			const mostlyMissing = jpeg.subarray(0, Math.floor(jpeg.length * mostlyCutShare));
			const refused = await preparePhoto(mostlyMissing, { maxBytes: MB });
			expect(refused.ok ? 'sent' : refused.error.kind).toBe('corrupt');
		},
	);

	it('a progressive file cut right after its DC scan is an 8x blurred picture: refused', async () => {
		const progressive = cjpeg(photo, ['-quality', '90', '-progressive']);
		const reading = await readJpeg(progressive, { scale: 1 });
		const afterDc = reading.scans[1].sos.offset;
		const result = await preparePhoto(progressive.subarray(0, afterDc), { maxBytes: MB });
		expect(result.ok ? 'sent' : result.error.kind).toBe('corrupt');
	});
});

describe('a redundant DNL marker', () => {
	it("is read past: the picture is djpeg's, and the copy drops it by name", async () => {
		const eoi = withoutRestarts.length - 2;
		const height = readJpegHeader(withoutRestarts, new PhotoBudget()).info.height;
		const withDnl = Uint8Array.from([
			...withoutRestarts.subarray(0, eoi),
			0xff,
			0xdc,
			0,
			4,
			height >> 8,
			height & 255,
			0xff,
			0xd9,
		]);
		const reading = await readJpeg(withDnl, { scale: 1 });
		expect(reading.damage.problems).toEqual([]);
		expect(psnr(reading.picture, reference(withDnl))).toBe(Infinity);
		const stripped = stripJpegMetadata(withDnl, reading);
		expect(stripped.removed).toEqual(['DNL']);
		expect(Buffer.from(stripped.bytes).equals(Buffer.from(withoutRestarts))).toBe(true);
		const result = sent(await preparePhoto(withDnl, { maxBytes: MB }));
		expect(result.changes).toMatchObject({ reencoded: false, metadataRemoved: ['DNL'] });
	});
});
