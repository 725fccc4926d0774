/**
 * The cost of taking the photo out of an SVG (issue 24, item 7), for every hostile SVG shape in
 * test/helpers/hostile/svg.ts: CPU time, the longest stretch between two checkpoints (where the
 * node lets n8n's event loop run) and extra memory, against the goals (2 s, 50 ms, 64 MB), and as
 * a ratio to a baseline measured in the same run: one native pass over the same bytes
 * (`Buffer#indexOf` of a byte that is not there). Until the bench's hostile section runs every
 * format, this is its SVG part:
 *
 *   npx tsx bench/svgScan.ts
 *
 * Nothing here asserts; the goals are printed as met or MISSED.
 */
import { performance } from 'node:perf_hooks';

import { unwrapSvgPhoto } from '../nodes/KredibelBiometric/image/imageBytes';
import { svgHostileInputs } from '../test/helpers/hostile/svg';

const MB = 1024 * 1024;
const INPUT_LIMIT = 25 * MB;
const GOALS = { cpuMs: 2_000, stretchMs: 50, extraMb: 64 };

function cpuMs(): number {
	const { user, system } = process.cpuUsage();
	return (user + system) / 1000;
}

function usedMb(): number {
	const { heapUsed, arrayBuffers } = process.memoryUsage();
	return (heapUsed + arrayBuffers) / MB;
}

/** CPU milliseconds of one native pass over `bytes`: the floor any reading of them costs. */
function nativePassMs(bytes: Buffer): number {
	const start = cpuMs();
	for (let round = 0; round < 5; round++) bytes.indexOf(0x00);
	return Math.max(0.01, (cpuMs() - start) / 5);
}

async function measure(bytes: Buffer) {
	global.gc?.();
	const memoryBefore = usedMb();
	let peak = memoryBefore;
	let longest = 0;
	let last = performance.now();
	const checkpoint = async (): Promise<void> => {
		longest = Math.max(longest, performance.now() - last);
		peak = Math.max(peak, usedMb());
		await new Promise((resolve) => setImmediate(resolve));
		last = performance.now();
	};
	const cpuStart = cpuMs();
	const result = await unwrapSvgPhoto(bytes, INPUT_LIMIT, checkpoint);
	const cpu = cpuMs() - cpuStart;
	longest = Math.max(longest, performance.now() - last);
	peak = Math.max(peak, usedMb());
	return { result, cpu, longest, extraMb: peak - memoryBefore };
}

async function main(): Promise<void> {
	const rows: string[] = [
		'| input | MB | CPU ms | x native pass | longest stretch ms | extra MB | outcome | goals |',
		'| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
	];
	for (const input of svgHostileInputs()) {
		const bytes = Buffer.from(input.make());
		const baseline = nativePassMs(bytes);
		const { result, cpu, longest, extraMb } = await measure(bytes);
		const met =
			cpu <= GOALS.cpuMs && longest <= GOALS.stretchMs && extraMb <= GOALS.extraMb
				? 'met'
				: 'MISSED';
		const outcome = result.ok ? `photo (${result.bytes.length} B)` : result.problem.errorType;
		rows.push(
			`| ${input.name} | ${(bytes.length / MB).toFixed(1)} | ${cpu.toFixed(0)} | ${(cpu / baseline).toFixed(0)} | ${longest.toFixed(1)} | ${extraMb.toFixed(1)} | ${outcome} | ${met} |`,
		);
	}
	process.stdout.write(`${rows.join('\n')}\n`);
}

main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
