/**
 * What `npm run bench` prints: one table per part, as Markdown so that it can be pasted into
 * the README as it is, each figure the median of its runs with (min-max) after it.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { ColourResult } from './colour';
import type { CpuResult } from './cpu';
import type { HostileResult } from './hostile';
import { formatBytes } from './images';
import { machineLine, type Machine } from './machine';
import type { MemoryResult, MemoryScenarioResult } from './memory';
import type { N8nResult } from './n8n';
import type { FaceResult } from './face';
import type { PhotoResult } from './photo';
import type { ProfileReport } from './profile';
import type { Summary } from './stats';
import type { ThroughputResult } from './throughput';

export interface BenchResults {
	generatedAt: string;
	command: string;
	durationSeconds?: number;
	machine: Machine;
	/** 1, 5 and 15 minute load averages: other work on the machine skews every figure. */
	loadAverage: { atStart: number[]; atEnd?: number[] };
	cpu?: CpuResult;
	cpuProfile?: ProfileReport;
	throughput?: ThroughputResult;
	memory?: MemoryResult;
	n8n?: N8nResult;
	photo?: PhotoResult;
	colour?: ColourResult;
	hostile?: HostileResult;
	face?: FaceResult;
}

export function formatSummary(summary: Summary, digits = 1): string {
	const f = (value: number) => value.toFixed(digits);
	return summary.min === summary.max
		? f(summary.median)
		: `${f(summary.median)} (${f(summary.min)}-${f(summary.max)})`;
}

function verdict(met: boolean): string {
	return met ? 'met' : 'MISSED';
}

/** A Markdown table with padded columns (numbers are easier to compare when aligned). */
export function markdownTable(headers: string[], rows: string[][]): string {
	const widths = headers.map((header, column) =>
		Math.max(header.length, ...rows.map((row) => row[column].length)),
	);
	const line = (cells: string[]) =>
		`| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
	return [
		line(headers),
		line(widths.map((width) => '-'.repeat(width))),
		...rows.map((row) => line(row)),
	].join('\n');
}

export function headerSection(results: BenchResults): string {
	const load = results.loadAverage.atStart.map((value) => value.toFixed(2)).join(' ');
	return [
		`# n8n-nodes-kredibel benchmark (${results.command}), ${results.generatedAt}`,
		'',
		`Machine: ${machineLine(results.machine)}`,
		`Load average at start (1/5/15 min): ${load}`,
		'Figures: median (min-max) over the runs.',
	].join('\n');
}

export function cpuSection(cpu: CpuResult): string {
	const rows = cpu.sizes.flatMap((size) =>
		(['wall', 'cpu'] as const).map((measure) => [
			`${formatBytes(size.imageBytes)}`,
			String(size.itemsPerRun),
			`${measure === 'wall' ? 'wall' : 'CPU'}${size.steadier === measure ? ' *' : ''}`,
			formatSummary(size.node[measure]),
			formatSummary(size.baseline[measure]),
			formatSummary(size.ratio[measure], 2),
			size.steadier === measure ? verdict(size.ratio[measure].median <= cpu.targetRatio) : '',
		]),
	);
	const runs = cpu.sizes[0]?.ratio.wall.runs ?? 0;
	return [
		'## 1. Node CPU work per item (HTTP answered at once)',
		'',
		markdownTable(
			[
				'Image',
				'Items/run',
				'Clock',
				'Node us/item',
				'Baseline us/item',
				'Ratio node/baseline',
				`Target <= ${cpu.targetRatio}`,
			],
			rows,
		),
		'',
		`${runs} rounds per size, each one node run and one baseline run (order alternating), heap`,
		'collected before each run. Ratio = per-round node/baseline. CPU = process.cpuUsage (all',
		'threads, GC helpers included). * = the steadier clock (smaller interquartile spread of the',
		'ratios), the one judged against the target.',
	].join('\n');
}

export function profileSection(profile: ProfileReport): string {
	const us = (ns: number) => (ns / 1000).toFixed(2);
	const figures = profile.breakdown.nsPerItem;
	const functions = profile.breakdown.functions
		.slice(0, 15)
		.map((entry) => [entry.function, us(entry.selfNs), us(entry.calleesNs), entry.topCallees]);
	const lines = profile.breakdown.lines
		.slice(0, 12)
		.map((entry) => [entry.line, us(entry.selfNs), entry.code.slice(0, 72)]);
	return [
		`### Where the node's time goes at ${profile.label} (V8 sampling profiler, ${profile.itemsProfiled} items, us/item)`,
		'',
		`Node minus baseline in the timed runs: ${profile.extraUsPerItem.toFixed(2)} us/item.`,
		'',
		markdownTable(
			['total', 'base64', 'node code', 'GC', 'bench mocks', 'other'],
			[
				[
					us(figures.total),
					us(figures.base64),
					us(figures.nodeCode),
					us(figures.garbageCollector),
					us(figures.benchCode),
					us(figures.other),
				],
			],
		),
		'',
		markdownTable(
			['Node function (TypeScript source)', 'self us', 'callees us', 'top callees (ns)'],
			functions,
		),
		'',
		markdownTable(['Line', 'self us', 'code'], lines),
		'',
		`Profile: ${profile.profileFile} (Chrome DevTools > Performance). Line figures come from`,
		"V8's position ticks and are approximate in optimized code; function figures are exact samples.",
	].join('\n');
}

export function throughputSection(throughput: ThroughputResult): string {
	const rows = throughput.levels.map((level) => [
		String(level.concurrency),
		level.idealMs.toFixed(0),
		formatSummary(level.achievedMs, 0),
		formatSummary(level.percentOfIdeal),
		formatSummary(level.maxInFlight, 0),
		level.concurrency === 16
			? verdict(level.percentOfIdeal.median >= throughput.targetPercent)
			: '',
	]);
	return [
		`## 2. Throughput against the sandbox (${throughput.items} items of ${formatBytes(throughput.imageBytes)}, ${throughput.latencyMs} ms latency, real HTTP on loopback)`,
		'',
		markdownTable(
			[
				'Concurrency',
				'Ideal ms',
				'Achieved ms',
				'% of ideal',
				'Sandbox maxInFlight',
				`Target >= ${throughput.targetPercent}% at 16`,
			],
			rows,
		),
		'',
		'Ideal = items x latency / concurrency. The sandbox runs in the bench process, the node in a fresh one.',
	].join('\n');
}

export function memorySection(memory: MemoryResult): string {
	const rows = memory.scenarios.map((scenario) => [
		String(scenario.items),
		String(scenario.concurrency),
		formatSummary(scenario.rssBefore, 0),
		formatSummary(scenario.rssPeak, 0),
		formatSummary(scenario.rssGrowth, 0),
		formatSummary(scenario.vmHwm, 0),
		formatSummary(scenario.heapUsedGrowth, 0),
		formatSummary(scenario.externalGrowth, 0),
		formatSummary(scenario.liveGrowth, 0),
		formatSummary(scenario.elapsedMs, 0),
	]);
	const find = (items: number, concurrency: number) =>
		memory.scenarios.find((s) => s.items === items && s.concurrency === concurrency);
	const differences = [
		difference('200 vs 20 images at concurrency 4', find(200, 4), find(20, 4)),
		difference('200 images at concurrency 16 vs 4', find(200, 16), find(200, 4)),
	].filter((line): line is string => line !== undefined);
	return [
		`## 3. Peak memory, ${formatBytes(memory.imageBytes)} images from disk (sandbox latency ${memory.latencyMs} ms), MB`,
		'',
		markdownTable(
			[
				'Images',
				'Concurrency',
				'RSS before',
				'Peak RSS',
				'RSS growth',
				'VmHWM',
				'Heap growth',
				'External growth',
				'Held (forced GC)',
				'Run ms',
			],
			rows,
		),
		'',
		...differences,
		'',
		'Each run in a fresh process, sampled every 5 ms. External = Buffers (file reads, request bodies),',
		'which V8 frees only once tens of MB have piled up. "Held" = peak of heap used + external with',
		'garbage collected before every sample (separate runs): what the node keeps referenced.',
	].join('\n');
}

function difference(
	label: string,
	more: MemoryScenarioResult | undefined,
	fewer: MemoryScenarioResult | undefined,
): string | undefined {
	if (!more || !fewer) return undefined;
	const delta = (a: Summary, b: Summary) => (a.median - b.median).toFixed(1);
	return (
		`- ${label}: RSS growth ${more.rssGrowth.median.toFixed(1)} vs ${fewer.rssGrowth.median.toFixed(1)} MB ` +
		`(difference ${delta(more.rssGrowth, fewer.rssGrowth)} MB); held ${more.liveGrowth.median.toFixed(1)} vs ` +
		`${fewer.liveGrowth.median.toFixed(1)} MB (difference ${delta(more.liveGrowth, fewer.liveGrowth)} MB)`
	);
}

export function n8nSection(n8n: N8nResult): string {
	const rows = n8n.variants.map((variant) => [
		variant.label,
		formatSummary(variant.maxInFlight, 0),
		formatSummary(variant.callMs, 0),
		formatSummary(variant.workflowMs, 0),
		formatSummary(variant.verifyMs, 0),
		formatSummary(variant.mainPeakMb, 0),
		formatSummary(variant.runnerPeakMb, 0),
		formatSummary(variant.treePeakMb, 0),
	]);
	const labelOf = (key: string) =>
		n8n.variants.find((variant) => variant.key === key)?.label ?? key;
	const comparisons = n8n.comparisons.map((comparison) => {
		const { ratio } = comparison;
		const time = { lower: 'faster', tie: 'as fast (within spread)', higher: 'SLOWER' };
		const memory = {
			lower: 'less memory',
			tie: 'same memory (within spread)',
			higher: 'MORE MEMORY',
		};
		return [
			`${labelOf(comparison.kredibel)} / ${labelOf(comparison.alternative)}`,
			ratio.callMs.toFixed(2),
			ratio.workflowMs.toFixed(2),
			ratio.verifyMs.toFixed(2),
			ratio.mainPeak.toFixed(2),
			ratio.treePeak.toFixed(2),
			`${time[comparison.time]}, ${memory[comparison.memory]}`,
		];
	});
	return [
		`## 4. Inside n8n ${n8n.version}: ${n8n.items} applicants with a ${formatBytes(n8n.selfieBytes)} selfie, sandbox latency ${n8n.latencyMs} ms`,
		'',
		markdownTable(
			[
				'Workflow',
				'maxInFlight',
				'n8n CLI call ms',
				'Execution ms',
				'Verifying node(s) ms',
				'n8n peak RSS MB',
				'Task runner peak MB',
				'n8n + runner peak MB',
			],
			rows,
		),
		'',
		markdownTable(
			[
				'Ratio (median/median)',
				'CLI call',
				'execution',
				'verifying nodes',
				'n8n peak RSS',
				'n8n + runner peak',
				'Target: as fast, no more memory',
			],
			comparisons,
		),
		'',
		'- n8n CLI call: one `n8n execute-batch` of the workflow, start-up included.',
		'- Execution: n8n startedAt to stoppedAt. Verifying node(s): runData executionTime of',
		'  Kredibel Biometric, or of Encode request body + HTTP Request.',
		'- HTTP Request Batching starts N requests every interval without waiting for answers: with',
		'  100 ms latency, N every 100 ms keeps about N in flight (see maxInFlight). Without Batching',
		'  it starts all items at once.',
		'- Peak RSS: VmHWM of each process, polled from /proc every 20 ms.',
		'- Verdict: on execution + verifying-node time and on both peaks; "within spread" = the',
		"  node's median is higher but inside the other workflow's min-max over the rounds.",
		'',
		photoRouteSection(n8n),
	].join('\n');
}

/** The phone-photo pair: per-item time, peaks and what reached Kredibel, node alone vs Edit Image. */
function photoRouteSection(n8n: N8nResult): string {
	const photoVariants = n8n.variants.filter((variant) => variant.key.startsWith('photo-'));
	const comparison = n8n.comparisons.find((candidate) => candidate.kredibel === 'photo-node');
	if (photoVariants.length === 0 || !comparison) return '';
	const sent = ({ sent: image }: (typeof photoVariants)[number]) =>
		`${formatBytes(image.bytes)}, ${image.width}x${image.height}, ` +
		(image.exif ? `EXIF kept (orientation ${image.exifOrientation})` : 'no EXIF');
	return [
		`### Phone photos: ${n8n.photoItems} applicants with the ${formatBytes(n8n.photoBytes)} 12 MP sideways photo, per item`,
		'',
		markdownTable(
			[
				'Workflow',
				'Verifying node(s) ms per item',
				'n8n peak RSS MB',
				'n8n + children peak MB',
				'Sent to Kredibel',
			],
			photoVariants.map((variant) => [
				variant.label,
				formatSummary(variant.perItemMs, 0),
				formatSummary(variant.mainPeakMb, 0),
				formatSummary(variant.treePeakMb, 0),
				sent(variant),
			]),
		),
		'',
		`Node alone / Edit Image route, per item (medians): ${comparison.ratio.perItemMs.toFixed(2)}; ` +
			`n8n peak RSS ${comparison.ratio.mainPeak.toFixed(2)}, with children (gm, task runner) ` +
			`${comparison.ratio.treePeak.toFixed(2)}. Target: at most 1 (no slower).`,
	].join('\n');
}

export function writeResults(file: string, results: BenchResults): void {
	fs.mkdirSync(path.dirname(file), { recursive: true });
	fs.writeFileSync(file, `${JSON.stringify(results, null, '\t')}\n`);
}
