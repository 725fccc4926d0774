/**
 * `npx tsx bench/run.ts --only hostile`: every hostile photo of test/helpers/hostile prepared by
 * the built node (dist/), each in a fresh process (bench/hostileWorker.ts), against the promise of
 * DESIGN.md "Photos": at most 2 s of CPU, 64 MB of extra memory and 50 ms without yielding, per
 * input; then the four costliest in memory at once, as at Concurrency 4 (at most 4 x 64 MB); and
 * next to libjpeg's djpeg on the same file where djpeg applies (its CPU time, with a 10 s cap).
 * Nothing here asserts: targets are reported as met or MISSED.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { WORK_LIMIT_UNITS } from '../nodes/KredibelBiometric/photo/budget';
import { allHostileInputs } from '../test/helpers/hostile';
import { ensureDebianTool } from '../test/helpers/referenceTools';
import { phoneJpeg, phonePng } from '../test/unit/photo/phonePhoto';
import { runWorker } from './childWorker';
import type { HostileWorkerInput, HostileWorkerOutput } from './hostileWorker';
import { markdownTable } from './report';

const MB = 1024 * 1024;
const MAX_BYTES = MB;
const CPU_TARGET_MS = 2000;
const MEMORY_TARGET = 64 * MB;
const STRETCH_TARGET_MS = 50;
const DJPEG_CAP_MS = 10_000;
/** Inputs run together in the concurrency row. */
const AT_ONCE = 4;

export interface HostileRow {
	name: string;
	format: string;
	bytes: number;
	ours: HostileWorkerOutput;
	/** djpeg's CPU ms (capped), or null where it does not apply. */
	djpegMs: number | null;
	djpegCapped: boolean;
	met: { cpu: boolean; memory: boolean; stretch: boolean };
}

export interface HostileResult {
	rows: HostileRow[];
	together: { names: string[]; ours: HostileWorkerOutput; memoryMet: boolean };
	/** Work units per CPU ms over all inputs: how the budget's units map to time here. */
	unitsPerMs: number;
}

function djpegCpuMs(file: string): { ms: number; capped: boolean } {
	const djpeg = ensureDebianTool('djpeg', 'libjpeg-turbo-progs');
	const run = spawnSync('/usr/bin/time', ['-f', '%U %S', djpeg, '-outfile', '/dev/null', file], {
		stdio: ['ignore', 'ignore', 'pipe'],
		timeout: DJPEG_CAP_MS,
	});
	if (run.error || run.signal) return { ms: DJPEG_CAP_MS, capped: true };
	const [user, system] = run.stderr.toString().trim().split('\n').pop()!.split(' ').map(Number);
	return { ms: (user + system) * 1000, capped: false };
}

/** Ordinary photos each worker prepares before measuring: baseline, progressive, turned, PNG. */
function warmUpPhotos(folder: string): string[] {
	const photos = [
		phoneJpeg(640, 480, 6, ['-quality', '90', '-restart', '1']),
		phoneJpeg(640, 480, 0, ['-quality', '85', '-progressive']),
		phonePng(320, 240),
	];
	return photos.map((bytes, index) => {
		const file = path.join(folder, `warm-up-${index}`);
		fs.writeFileSync(file, bytes);
		return file;
	});
}

export async function measureHostile(): Promise<HostileResult> {
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kredibel-hostile-bench-'));
	try {
		const inputs = allHostileInputs().filter((input) => input.format !== 'svg');
		const warmUp = warmUpPhotos(folder);
		const rows: HostileRow[] = [];
		const files: string[] = [];
		for (const [index, input] of inputs.entries()) {
			const bytes = input.make();
			const file = path.join(folder, `${index}.${input.format}`);
			fs.writeFileSync(file, bytes);
			files.push(file);
			process.stderr.write(`[bench hostile] ${input.name}\n`);
			const ours = await runWorker<HostileWorkerInput, HostileWorkerOutput>('hostileWorker.ts', {
				files: [file],
				warmUp,
				maxBytes: MAX_BYTES,
				yieldEveryMs: 20,
			});
			const djpeg = input.reference === 'djpeg' ? djpegCpuMs(file) : null;
			rows.push({
				name: input.name,
				format: input.format,
				bytes: bytes.length,
				ours,
				djpegMs: djpeg?.ms ?? null,
				djpegCapped: djpeg?.capped ?? false,
				met: {
					cpu: ours.cpuMs <= CPU_TARGET_MS,
					memory: ours.extraPeakRss <= MEMORY_TARGET,
					stretch: ours.longestStretchMs <= STRETCH_TARGET_MS,
				},
			});
		}
		const costliest = rows
			.map((row, index) => ({ row, file: files[index] }))
			.sort((a, b) => b.row.ours.extraPeakRss - a.row.ours.extraPeakRss)
			.slice(0, AT_ONCE);
		const together = await runWorker<HostileWorkerInput, HostileWorkerOutput>('hostileWorker.ts', {
			files: costliest.map((entry) => entry.file),
			warmUp,
			maxBytes: MAX_BYTES,
			yieldEveryMs: 20,
		});
		const units = rows.reduce((sum, row) => sum + row.ours.workUnits, 0);
		const cpu = rows.reduce((sum, row) => sum + row.ours.cpuMs, 0);
		return {
			rows,
			together: {
				names: costliest.map((entry) => entry.row.name),
				ours: together,
				memoryMet: together.extraPeakRss <= AT_ONCE * MEMORY_TARGET,
			},
			unitsPerMs: units / cpu,
		};
	} finally {
		fs.rmSync(folder, { recursive: true, force: true });
	}
}

const mb = (bytes: number): string => (bytes / MB).toFixed(1);
const size = (bytes: number): string =>
	bytes >= MB ? `${mb(bytes)} MB` : `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 2 : 0)} KB`;
const mark = (met: boolean): string => (met ? '' : ' MISSED');

export function hostileSection(result: HostileResult): string {
	const rows = result.rows.map((row) => [
		row.name,
		size(row.bytes),
		row.ours.outcomes.join(', '),
		`${row.ours.cpuMs.toFixed(0)}${mark(row.met.cpu)}`,
		`${mb(row.ours.extraPeakRss)}${mark(row.met.memory)}`,
		`${row.ours.longestStretchMs.toFixed(1)}${mark(row.met.stretch)}`,
		row.ours.longestWallStretchMs.toFixed(1),
		row.djpegMs === null ? '' : `${row.djpegCapped ? '> ' : ''}${row.djpegMs.toFixed(0)}`,
	]);
	const missed = result.rows.filter((row) => !row.met.cpu || !row.met.memory || !row.met.stretch);
	const { together } = result;
	return [
		'## Hostile photos: each input in a fresh process, against 2 s CPU, 64 MB, 50 ms',
		'',
		markdownTable(
			[
				'Input',
				'Size',
				'Outcome',
				'CPU ms',
				'Extra peak MB',
				'Longest stretch: CPU ms',
				'(wall ms)',
				'djpeg CPU ms',
			],
			rows,
		),
		'',
		`Targets: ${result.rows.length - missed.length} of ${result.rows.length} inputs within all three${missed.length > 0 ? ` (MISSED: ${missed.map((row) => row.name).join('; ')})` : ''}.`,
		`${AT_ONCE} at once (the costliest in memory: ${together.names.join('; ')}): +${mb(together.ours.extraPeakRss)} MB peak RSS against ${AT_ONCE} x 64 MB, ${together.memoryMet ? 'met' : 'MISSED'}; ${together.ours.cpuMs.toFixed(0)} ms CPU, longest stretch ${together.ours.longestStretchMs.toFixed(1)} ms.`,
		`Longest stretch: CPU time between two checkpoint calls (the wall time beside it also counts other processes' turns on a busy machine). The budget's work units ran at ${result.unitsPerMs.toFixed(0)} per CPU ms over all inputs (its limit: ${WORK_LIMIT_UNITS.toLocaleString('en')} units).`,
	].join('\n');
}

if (require.main === module) {
	measureHostile()
		.then((result) => process.stdout.write(`${hostileSection(result)}\n`))
		.catch((error: unknown) => {
			console.error(error);
			process.exitCode = 1;
		});
}
