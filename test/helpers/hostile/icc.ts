/**
 * Hostile ICC profiles, inside JPEGs (see hostileInput.ts): counts, offsets and sizes that lie,
 * tables whose grid points ^ channels would need gigabytes, chunk sets that do not add up, and
 * the largest table the parser accepts (the costliest profile that is converted). The photo is
 * always sent: a profile that is refused is ignored and the photo treated as untagged.
 */
import type { Picture } from '../../../nodes/KredibelBiometric/photo/picture';
import { cjpeg, gmCmykJpeg } from '../../unit/photo/photoFixtures';
import {
	assembleProfile,
	cmykProfile,
	curveTag,
	iccChunk,
	iccSegments,
	matrixProfile,
	PROFILES,
	tableProfile,
} from '../iccProfiles';
import type { HostileInput } from './hostileInput';

/** A hostile profile by itself, for the unit tests of the parser. */
export interface HostileProfile {
	name: string;
	/** Whether the parser may accept it (a valid but costly profile) or must ignore it. */
	accepted: boolean;
	make: () => Uint8Array;
}

function u32(value: number): number[] {
	return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255];
}

/** `base` with `bytes` written at `offset`. */
function patched(base: Uint8Array, offset: number, bytes: number[]): Uint8Array {
	const copy = base.slice();
	copy.set(bytes, offset);
	return copy;
}

/** The offset of tag `signature`'s data in a profile written by assembleProfile. */
function tagOffset(profile: Uint8Array, signature: string): number {
	const view = new DataView(profile.buffer, profile.byteOffset, profile.byteLength);
	const count = view.getUint32(128);
	for (let i = 0; i < count; i++) {
		const entry = 132 + 12 * i;
		if (String.fromCharCode(...profile.subarray(entry, entry + 4)) === signature) {
			return view.getUint32(entry + 4);
		}
	}
	throw new Error(`no ${signature}`);
}

/** A CMYK profile whose A2B0 is `tag`, as is. */
function cmykWithA2B0(tag: Uint8Array): Uint8Array {
	return assembleProfile({
		version: 4,
		deviceClass: 'prtr',
		colourSpace: 'CMYK',
		pcs: 'Lab ',
		tags: [['A2B0', tag]],
	});
}

export function hostileProfiles(): HostileProfile[] {
	const p3 = (): Uint8Array => matrixProfile(PROFILES.displayP3);
	const cmyk = (): Uint8Array => cmykProfile();
	return [
		{
			name: 'tag count 2^32 - 1',
			accepted: false,
			make: () => patched(p3(), 128, u32(0xffffffff)),
		},
		{
			name: 'size field above the bytes',
			accepted: false,
			make: () => patched(p3(), 0, u32(0x7fffffff)),
		},
		{ name: 'size field below the header', accepted: false, make: () => patched(p3(), 0, u32(64)) },
		{
			name: 'every tag offset past the end',
			accepted: false,
			make: () => {
				const profile = p3();
				const count = new DataView(profile.buffer).getUint32(128);
				for (let i = 0; i < count; i++) profile.set(u32(0xfffffff0), 132 + 12 * i + 4);
				return profile;
			},
		},
		{
			name: 'curv claiming 2^32 - 1 entries',
			accepted: false,
			make: () => {
				const profile = p3();
				return patched(profile, tagOffset(profile, 'rTRC') + 8, u32(0xffffffff));
			},
		},
		{
			name: 'para of function type 9',
			accepted: false,
			make: () => {
				const profile = p3();
				return patched(profile, tagOffset(profile, 'rTRC') + 8, [0, 9]);
			},
		},
		{
			name: 'singular colorants (all zero)',
			accepted: false,
			make: () => {
				const profile = p3();
				const red = tagOffset(profile, 'rXYZ');
				return patched(profile, red + 8, new Array<number>(12).fill(0));
			},
		},
		{
			name: 'desc and mluc lengths of 2^31',
			accepted: true,
			make: () => {
				const profile = p3(); // v4: mluc
				const desc = tagOffset(profile, 'desc');
				return patched(patched(profile, desc + 8, u32(0x80000000)), desc + 20, u32(0x80000000));
			},
		},
		{
			name: 'mft2 with 255 grid points on 4 inputs (12.7 G values)',
			accepted: false,
			make: () => {
				const profile = cmyk();
				return patched(profile, tagOffset(profile, 'A2B0') + 10, [255]);
			},
		},
		{
			name: 'mft2 with 65535-entry input tables',
			accepted: false,
			make: () => {
				const profile = cmyk();
				return patched(profile, tagOffset(profile, 'A2B0') + 48, [0xff, 0xff]);
			},
		},
		{
			name: 'mAB with 255 grid points on 4 inputs, 16-bit',
			accepted: false,
			make: () => {
				const header = [...Buffer.from('mAB \0\0\0\0', 'latin1'), 4, 3, 0, 0];
				const b = curveTag({ type: 'identity' });
				const bOffset = 32;
				const clutOffset = bOffset + 3 * 12;
				const grid = [255, 255, 255, 255, ...new Array<number>(12).fill(0), 2, 0, 0, 0];
				const offsets = [
					...u32(bOffset),
					...u32(0),
					...u32(0),
					...u32(clutOffset),
					...u32(clutOffset + 20),
				];
				return cmykWithA2B0(
					Uint8Array.from([
						...header,
						...offsets,
						...b,
						...b,
						...b,
						...grid,
						...b,
						...b,
						...b,
						...b,
					]),
				);
			},
		},
		{
			name: 'mAB with every offset past the tag',
			accepted: false,
			make: () => {
				const header = [...Buffer.from('mAB \0\0\0\0', 'latin1'), 4, 3, 0, 0];
				const offsets = [0x7ffffff0, 0, 0, 0x7ffffff0, 0x7ffffff0].flatMap(u32);
				return cmykWithA2B0(Uint8Array.from([...header, ...offsets]));
			},
		},
		{
			name: 'A2B0 of 4 inputs in an RGB profile',
			accepted: false,
			make: () => {
				const table = cmyk();
				const a2b0 = table.subarray(tagOffset(table, 'A2B0'));
				return assembleProfile({
					version: 2,
					deviceClass: 'mntr',
					colourSpace: 'RGB ',
					pcs: 'Lab ',
					tags: [['A2B0', a2b0]],
				});
			},
		},
		{
			name: 'the largest accepted table: mAB, 28 points on 4 inputs (1.8 M values)',
			accepted: true,
			make: () =>
				tableProfile({
					type: 'mAB ',
					inputs: 4,
					gridPoints: 28,
					pcs: 'Lab ',
					version: 4,
					description: 'big',
				}),
		},
	];
}

function basePhoto(channels: 3 | 4): Uint8Array {
	const width = 64;
	const height = 48;
	const picture: Picture = { width, height, channels: 3, data: new Uint8Array(width * height * 3) };
	for (let i = 0; i < picture.data.length; i++) picture.data[i] = (i * 37) & 255;
	return channels === 4 ? gmCmykJpeg(picture, 90) : cjpeg(picture, ['-quality', '90']);
}

function withSegments(jpeg: Uint8Array, segments: Uint8Array[]): Uint8Array {
	return new Uint8Array(Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]));
}

export function iccHostileInputs(): HostileInput[] {
	const inJpeg = hostileProfiles().map(
		(profile): HostileInput => ({
			name: `ICC: ${profile.name}`,
			format: 'jpeg',
			attack: 'icc profile',
			outcome: 'sent',
			make: () => {
				const bytes = profile.make();
				const cmyk = new DataView(bytes.buffer, bytes.byteOffset).getUint32(16) === 0x434d594b;
				return withSegments(basePhoto(cmyk ? 4 : 3), iccSegments(bytes));
			},
		}),
	);
	return [
		...inJpeg,
		{
			name: 'ICC: 255 APP2 chunks of 64 KB (16 MB claimed profile)',
			format: 'jpeg',
			attack: 'icc profile',
			outcome: 'sent',
			make: () => {
				const data = new Uint8Array(65519).fill(0x41);
				const chunks = Array.from({ length: 255 }, (_, i) => iccChunk(data, i + 1, 255));
				return withSegments(basePhoto(3), chunks);
			},
		},
		{
			// Just under the segment reader's cap (MAX_SEGMENTS, 4,096 segments, above which any
			// JPEG is refused as corrupt, whatever its segments hold: see the JPEG generators).
			name: 'ICC: 4,000 single-byte APP2 chunks claiming sequence 1 of 1',
			format: 'jpeg',
			attack: 'icc profile',
			outcome: 'sent',
			make: () => {
				const chunk = iccChunk(Uint8Array.of(0), 1, 1);
				return withSegments(basePhoto(3), new Array<Uint8Array>(4000).fill(chunk));
			},
		},
	];
}
