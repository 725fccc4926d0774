/**
 * Why this file exists: the colour conversions are checked against Little CMS, the colour engine
 * of GIMP, GraphicsMagick and most Linux imaging, through its Debian command-line tools
 * (`liblcms2-utils`, installed on first use as referenceTools.ts does). `transicc` converts the
 * exact values it is given, in floating point, with the perceptual intent and its built-in sRGB
 * as output: the reference for every pixel our code converts. Also here: the licence-clean
 * profiles Debian ships, read from the installed packages at test time, never copied.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ensureDebianFile, ensureDebianTool, runTool } from './referenceTools';

/**
 * Converts device values (0-255 per channel; 1, 3 or 4 channels) from `profile` to sRGB with
 * `transicc -t 0 -o *sRGB`, returning R, G, B on the 0-255 scale, clamped, unrounded.
 */
export function transicc(profile: Uint8Array, values: number[][]): number[][] {
	const binary = ensureDebianTool('transicc', 'liblcms2-utils');
	const folder = mkdtempSync(path.join(tmpdir(), 'kredibel-icc-'));
	try {
		const file = path.join(folder, 'input.icc');
		writeFileSync(file, profile);
		// transicc reads CMYK as percentages, grey and RGB on 0-255.
		const input = values
			.map((v) => v.map((x) => (v.length === 4 ? (x * 100) / 255 : x).toFixed(6)).join(' '))
			.join('\n');
		const output = runTool(
			binary,
			['-n', `-i${file}`, '-o*sRGB', '-t0'],
			Buffer.from(`${input}\n`),
		).toString('latin1');
		const rows = output
			.split('\n')
			.map((line) => line.trim())
			.filter((line) => /^-?[\d.]+(\s+-?[\d.]+){2}$/.test(line))
			.map((line) => line.split(/\s+/).map((x) => Math.min(255, Math.max(0, Number(x)))));
		if (rows.length !== values.length) {
			throw new Error(`transicc gave ${rows.length} results for ${values.length} values`);
		}
		return rows;
	} finally {
		rmSync(folder, { recursive: true, force: true });
	}
}

/** A profile Debian ships, with the package it comes from and that package's licence for it. */
export interface DebianProfile {
	file: string;
	debPackage: string;
	licence: string;
}

export const DEBIAN_PROFILES: DebianProfile[] = [
	// colord-data: data/profiles/* are CC0-1.0 (Richard Hughes).
	{
		file: '/usr/share/color/icc/colord/AdobeRGB1998.icc',
		debPackage: 'colord-data',
		licence: 'CC0-1.0',
	},
	{
		file: '/usr/share/color/icc/colord/ProPhotoRGB.icc',
		debPackage: 'colord-data',
		licence: 'CC0-1.0',
	},
	{
		file: '/usr/share/color/icc/colord/AppleRGB.icc',
		debPackage: 'colord-data',
		licence: 'CC0-1.0',
	},
	{
		file: '/usr/share/color/icc/colord/WideGamutRGB.icc',
		debPackage: 'colord-data',
		licence: 'CC0-1.0',
	},
	// icc-profiles-free: Zlib (Kai-Uwe Behrmann, Marti Maria and others).
	{ file: '/usr/share/color/icc/sRGB.icc', debPackage: 'icc-profiles-free', licence: 'Zlib' },
	{ file: '/usr/share/color/icc/Gray-CIE_L.icc', debPackage: 'icc-profiles-free', licence: 'Zlib' },
	{ file: '/usr/share/color/icc/LStar-RGB.icc', debPackage: 'icc-profiles-free', licence: 'Zlib' },
	// libgs-common: Ghostscript's iccprofiles/, AGPL-3.0-or-later; used as test input only.
	{
		file: '/usr/share/color/icc/ghostscript/default_cmyk.icc',
		debPackage: 'libgs-common',
		licence: 'AGPL-3.0-or-later',
	},
	{
		file: '/usr/share/color/icc/ghostscript/ps_cmyk.icc',
		debPackage: 'libgs-common',
		licence: 'AGPL-3.0-or-later',
	},
	{
		file: '/usr/share/color/icc/ghostscript/ps_gray.icc',
		debPackage: 'libgs-common',
		licence: 'AGPL-3.0-or-later',
	},
];

/** The bytes of a Debian profile, installing its package (as root, with apt-get) when missing. */
export function debianProfile(profile: DebianProfile): Uint8Array {
	return new Uint8Array(readFileSync(ensureDebianFile(profile.file, profile.debPackage)));
}
