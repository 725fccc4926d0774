/**
 * Part 6 of `npm run bench`: the face check on its evaluation set (test/face-eval/README.md),
 * measured in a fresh process (faceWorker.ts). Prints what the face check promises: no portrait
 * refused, at least 90% of the no-face photos refused, the score margin between the worst
 * portrait and the best no-face photo, the detector's time per photo (median over the
 * portraits) and for a refused photo (worst, after every reading and tile), its extra memory and
 * its longest synchronous stretch. Wall times depend on what else runs on the machine; CPU times
 * (process.cpuUsage) less so: both are printed.
 * Run alone with `npx tsx bench/run.ts --only face` (no build needed).
 */
import { runWorker } from './childWorker';
import type { FaceCaseResult, FaceWorkerOutput } from './faceWorker';
import { formatSummary, markdownTable } from './report';
import { summarize, type Summary } from './stats';

export interface FaceResult {
	cases: FaceCaseResult[];
	portraits: { total: number; refused: number; wronglySeveral: number; wrongTurn: number };
	noFace: { total: number; refused: number; share: number };
	groups: { total: number; several: number };
	margin: {
		worstPortrait: number;
		worstPortraitName: string;
		bestNoFace: number;
		bestNoFaceName: string;
	};
	time: {
		portraitWall: Summary;
		portraitCpu: Summary;
		refusedWorstWall: number;
		refusedWorstCpu: number;
	};
	/** Network passes per portrait and for the refused photo that took most; CPU ms per pass. */
	readings: { portrait: Summary; refusedMost: number; cpuMsPerReading: Summary };
	worstExtraBytes: number;
	longestStretchMs: number;
	longestStretchCpuMs: number;
	targets: {
		noRefusedPortrait: boolean;
		noFaceShare: boolean;
		median: boolean;
		refusedWorst: boolean;
		memory: boolean;
		stretch: boolean;
	};
}

const TARGETS = {
	noFaceShare: 0.9,
	medianMs: 60,
	refusedWorstMs: 500,
	extraBytes: 16 * 1024 * 1024,
	stretchMs: 50,
};

export async function measureFace(): Promise<FaceResult> {
	const { cases } = await runWorker<Record<string, never>, FaceWorkerOutput>(
		'faceWorker.ts',
		{},
		{ nodeFlags: ['--expose-gc'], timeoutMs: 30 * 60_000 },
	);
	const portraits = cases.filter((entry) => entry.expected === 'face');
	const noFace = cases.filter((entry) => entry.expected === 'no_face');
	const groups = cases.filter((entry) => entry.expected === 'several_faces');
	const refused = cases.filter((entry) => entry.finding.verdict === 'no_face');
	const worstPortrait = portraits.reduce((worst, entry) =>
		(entry.finding.score ?? 0) < (worst.finding.score ?? 0) ? entry : worst,
	);
	const bestNoFace = noFace.reduce((best, entry) =>
		(entry.finding.score ?? 0) > (best.finding.score ?? 0) ? entry : best,
	);
	const noFaceRefused = noFace.filter((entry) => entry.finding.verdict === 'no_face').length;
	const result: Omit<FaceResult, 'targets'> = {
		cases,
		portraits: {
			total: portraits.length,
			refused: portraits.filter((entry) => entry.finding.verdict === 'no_face').length,
			wronglySeveral: portraits.filter((entry) => entry.finding.verdict === 'several_faces').length,
			wrongTurn: portraits.filter(
				(entry) =>
					entry.finding.verdict === 'face' &&
					entry.expectedTurns !== undefined &&
					entry.finding.quarterTurns !== entry.expectedTurns,
			).length,
		},
		noFace: { total: noFace.length, refused: noFaceRefused, share: noFaceRefused / noFace.length },
		groups: {
			total: groups.length,
			several: groups.filter((entry) => entry.finding.verdict === 'several_faces').length,
		},
		margin: {
			worstPortrait: worstPortrait.finding.score ?? 0,
			worstPortraitName: worstPortrait.name,
			bestNoFace: bestNoFace.finding.score ?? 0,
			bestNoFaceName: bestNoFace.name,
		},
		time: {
			portraitWall: summarize(portraits.map((entry) => entry.wallMs)),
			portraitCpu: summarize(portraits.map((entry) => entry.cpuMs)),
			refusedWorstWall: Math.max(0, ...refused.map((entry) => entry.wallMs)),
			refusedWorstCpu: Math.max(0, ...refused.map((entry) => entry.cpuMs)),
		},
		readings: {
			portrait: summarize(portraits.map((entry) => entry.readings)),
			refusedMost: Math.max(0, ...refused.map((entry) => entry.readings)),
			cpuMsPerReading: summarize(cases.map((entry) => entry.cpuMs / Math.max(1, entry.readings))),
		},
		worstExtraBytes: Math.max(...cases.map((entry) => entry.extraBytes)),
		longestStretchMs: Math.max(...cases.map((entry) => entry.longestStretchMs)),
		longestStretchCpuMs: Math.max(...cases.map((entry) => entry.longestStretchCpuMs)),
	};
	return {
		...result,
		targets: {
			noRefusedPortrait: result.portraits.refused === 0,
			noFaceShare: result.noFace.share >= TARGETS.noFaceShare,
			median: result.time.portraitCpu.median <= TARGETS.medianMs,
			refusedWorst: result.time.refusedWorstCpu <= TARGETS.refusedWorstMs,
			memory: result.worstExtraBytes <= TARGETS.extraBytes,
			stretch: result.longestStretchCpuMs <= TARGETS.stretchMs,
		},
	};
}

const verdict = (met: boolean) => (met ? 'met' : 'MISSED');
const score = (value: number | null) => (value === null ? '-' : value.toFixed(3));

export function faceSection(result: FaceResult): string {
	const { portraits, noFace, groups, margin, time, targets } = result;
	const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
	const wrong = result.cases.filter(
		(entry) =>
			(entry.expected === 'face' &&
				(entry.finding.verdict !== 'face' ||
					(entry.expectedTurns !== undefined &&
						entry.finding.quarterTurns !== entry.expectedTurns))) ||
			(entry.expected === 'no_face' && entry.finding.verdict !== 'no_face') ||
			(entry.expected === 'several_faces' && entry.finding.verdict !== 'several_faces'),
	);
	const either = result.cases.filter((entry) => entry.expected === 'either');
	const closest = [
		...result.cases
			.filter((entry) => entry.expected === 'face')
			.sort((a, b) => (a.finding.score ?? 0) - (b.finding.score ?? 0))
			.slice(0, 5),
		...result.cases
			.filter((entry) => entry.expected === 'no_face')
			.sort((a, b) => (b.finding.score ?? 0) - (a.finding.score ?? 0))
			.slice(0, 5),
	];
	const row = (entry: FaceCaseResult) => [
		entry.name,
		entry.expected + (entry.expectedTurns ? ` (${entry.expectedTurns} turns)` : ''),
		entry.finding.verdict +
			(entry.finding.quarterTurns ? ` (${entry.finding.quarterTurns} turns)` : ''),
		score(entry.finding.score),
		entry.cpuMs.toFixed(0),
	];
	return [
		'## 6. Face check on the evaluation set',
		'',
		markdownTable(
			['Measure', 'Value', 'Goal', ''],
			[
				[
					'Portraits refused (no_face)',
					`${portraits.refused} of ${portraits.total}`,
					'0',
					verdict(targets.noRefusedPortrait),
				],
				[
					'Portraits called several_faces',
					`${portraits.wronglySeveral} of ${portraits.total}`,
					'0',
					'',
				],
				['Sideways portraits turned wrongly', String(portraits.wrongTurn), '0', ''],
				[
					'No-face photos refused',
					`${noFace.refused} of ${noFace.total} (${(100 * noFace.share).toFixed(0)}%)`,
					'>= 90%',
					verdict(targets.noFaceShare),
				],
				['Groups called several_faces', `${groups.several} of ${groups.total}`, '', ''],
				[
					'Worst portrait score',
					`${score(margin.worstPortrait)} (${margin.worstPortraitName})`,
					'',
					'',
				],
				['Best no-face score', `${score(margin.bestNoFace)} (${margin.bestNoFaceName})`, '', ''],
				['Margin', score(margin.worstPortrait - margin.bestNoFace), '> 0', ''],
				[
					'Detector per portrait, CPU ms',
					formatSummary(time.portraitCpu),
					'<= 60 (median)',
					verdict(targets.median),
				],
				[
					'Network passes per portrait / most for a refused photo',
					`${formatSummary(result.readings.portrait, 0)} / ${result.readings.refusedMost}`,
					'',
					'',
				],
				[
					'CPU ms per network pass (all cases)',
					formatSummary(result.readings.cpuMsPerReading),
					'',
					'',
				],
				['Detector per portrait, wall ms', formatSummary(time.portraitWall), '', ''],
				[
					'Refused photo, worst, CPU / wall ms',
					`${time.refusedWorstCpu.toFixed(0)} / ${time.refusedWorstWall.toFixed(0)}`,
					'<= 500',
					verdict(targets.refusedWorst),
				],
				[
					'Extra memory, worst case',
					mb(result.worstExtraBytes),
					'<= 16 MB',
					verdict(targets.memory),
				],
				[
					'Longest synchronous stretch, CPU / wall',
					`${result.longestStretchCpuMs.toFixed(1)} / ${result.longestStretchMs.toFixed(1)} ms`,
					'<= 50 ms',
					verdict(targets.stretch),
				],
			],
		),
		'',
		`${result.cases.length} cases (test/face-eval/README.md). Score: the deciding face's for a found face, the best upright reading's for a refusal.`,
		"CPU = process.cpuUsage of the worker; wall includes waiting for the machine's other work. Extra memory: heap + array buffers above the level before the case.",
		'',
		'Closest to the threshold (5 lowest portraits, 5 highest no-face photos):',
		'',
		markdownTable(['Case', 'Expected', 'Got', 'Score', 'CPU ms'], closest.map(row)),
		'',
		wrong.length === 0
			? 'Every scored case got its expected answer.'
			: 'Cases that got another answer than expected:',
		...(wrong.length === 0
			? []
			: ['', markdownTable(['Case', 'Expected', 'Got', 'Score', 'CPU ms'], wrong.map(row))]),
		'',
		'Either answer acceptable (half faces, crowds):',
		'',
		markdownTable(['Case', 'Expected', 'Got', 'Score', 'CPU ms'], either.map(row)),
	].join('\n');
}
