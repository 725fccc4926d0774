/**
 * Part 4: the node inside a real n8n (the e2e harness, n8n 2.41.1, the packed package installed
 * as users install it) against the same job done with n8n's own nodes: a Code node that
 * base64-encodes the selfie into a JSON body and an HTTP Request node that POSTs it. Same
 * applicants, same sandbox, same latency. Each execution is one n8n CLI process (execute-batch
 * with one workflow), watched through /proc for its peak memory (and its task runner's).
 *
 * Concurrency is matched, not left to defaults: HTTP Request without Batching starts every
 * request at once (all 100 in flight), and its Batching option starts `size` requests every
 * `interval` ms without waiting for answers. So "batches of 4 every 100 ms" against 100 ms of
 * latency keeps about 4 in flight, like the node's default concurrency 4; "1 every 100 ms" is
 * the sequential counterpart of concurrency 1. The sandbox's maxInFlight shows what happened.
 *
 * Phone photos, in the same n8n install and rounds: a few applicants with the 12 MP, 3.85 MB
 * sideways phone photo, sent by the node alone (Prepare Photo on) or through n8n's Edit Image
 * (resize to fit 1024x1024, JPEG quality 80) and the node with Prepare Photo off: time per item of
 * the verifying node(s), peak RSS, and what reached Kredibel (size, pixels, EXIF left or not).
 * Edit Image runs GraphicsMagick's `gm`, installed with apt-get when missing.
 */
import {
	outputsOf,
	type ExecutionResult,
	type OutputItem,
} from '../test/e2e/harness/executionResult';
import { createN8nRun, type N8nRun, type WorkflowImport } from '../test/e2e/harness/n8nInstance';
import { packPackage } from '../test/e2e/harness/packPackage';
import { readJpegInfo } from '../nodes/KredibelBiometric/photo/jpegDecode';
import { PhotoBudget } from '../nodes/KredibelBiometric/photo/budget';
import { readJpegHeader } from '../nodes/KredibelBiometric/photo/jpegHeader';
import { ensureDebianTool } from '../test/helpers/referenceTools';
import type { Sandbox } from '../test/sandbox/server';
import { hasText, twelveMegapixelPhoto } from '../test/unit/photo/phonePhoto';
import { BENCH_API_KEY } from './benchContext';
import { jpegOfSize } from './images';
import {
	CREDENTIALS,
	httpRequestWorkflow,
	kredibelWorkflow,
	NODE_NAMES,
	phonePhotoWorkflow,
	type Applicants,
} from './n8nWorkflows';
import { watchPeakMemory } from './processMemory';
import { standing, summarize, worstStanding, type Standing, type Summary } from './stats';

export interface N8nPlan {
	version: string;
	items: number;
	selfieBytes: number;
	latencyMs: number;
	rounds: number;
	/** Applicants per execution of the two phone-photo workflows. */
	photoItems: number;
}

interface Variant {
	key: string;
	label: string;
	/** Applicants per execution. */
	items: number;
	workflow: WorkflowImport;
	/** The nodes doing the verification, whose executionTime is summed. */
	verifyingNodes: string[];
	isMatch: (item: OutputItem) => boolean;
}

/** Medians etc. over the rounds; times in ms, memory in MB (10^6 bytes). */
export interface N8nVariantResult {
	key: string;
	label: string;
	/** The whole n8n CLI call: start-up, the execution, writing the run out. */
	callMs: Summary;
	/** The execution itself, n8n's startedAt to stoppedAt. */
	workflowMs: Summary;
	/** executionTime of the verifying node(s) from runData. */
	verifyMs: Summary;
	/** verifyMs per applicant. */
	perItemMs: Summary;
	/** Peak RSS (VmHWM) of the n8n process. */
	mainPeakMb: Summary;
	/** Peak RSS of n8n's task runner (and any other child process). */
	runnerPeakMb: Summary;
	/** Largest RSS of n8n and its children together, at one sample. */
	treePeakMb: Summary;
	maxInFlight: Summary;
	/** What reached Kredibel for the first applicant of the last execution. */
	sent: SentImage;
}

export interface SentImage {
	bytes: number;
	width: number;
	height: number;
	/** The EXIF orientation tag still in the file (0: none), and whether an EXIF segment is. */
	exifOrientation: number;
	exif: boolean;
}

export interface N8nComparison {
	kredibel: string;
	alternative: string;
	/** On execution and verifying-node time, and on both peaks: the least favourable standing. */
	time: Standing;
	memory: Standing;
	/** kredibel / alternative, of the medians: below 1 means the node is faster or smaller. */
	ratio: {
		callMs: number;
		workflowMs: number;
		verifyMs: number;
		perItemMs: number;
		mainPeak: number;
		treePeak: number;
	};
}

export interface N8nResult {
	version: string;
	items: number;
	selfieBytes: number;
	latencyMs: number;
	photoItems: number;
	photoBytes: number;
	variants: N8nVariantResult[];
	comparisons: N8nComparison[];
}

interface ExecutionFigures {
	callMs: number;
	workflowMs: number;
	verifyMs: number;
	mainPeak: number;
	runnerPeak: number;
	treePeak: number;
	maxInFlight: number;
	sent: SentImage;
}

const MB = 1_000_000;
/** One slow execution must not hang the bench; 100 sequential items at 100 ms take ~20 s. */
const EXECUTE_TIMEOUT_MS = 3 * 60_000;

export async function measureN8n(sandbox: Sandbox, plan: N8nPlan): Promise<N8nResult> {
	sandbox.setLatency(plan.latencyMs);
	const applicants: Applicants = { count: plan.items, selfie: jpegOfSize(plan.selfieBytes) };
	const photos: Applicants = {
		count: plan.photoItems,
		selfie: Buffer.from(twelveMegapixelPhoto()),
	};
	ensureDebianTool('gm', 'graphicsmagick'); // Edit Image's GraphicsMagick
	const variants = buildVariants(applicants, photos, sandbox.url);
	const pairs: Array<[string, string]> = [
		['kredibel-c4', 'http-batch4'],
		['kredibel-c1', 'http-batch1'],
		['photo-node', 'photo-edit-image'],
	];

	const run = await createN8nRun({
		version: plan.version,
		tarball: await packPackage(),
		// Binary data on disk, as n8n keeps it in production (and by default outside queue mode).
		env: { N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem' },
	});
	try {
		await run.importCredentials([
			{
				...CREDENTIALS.kredibel,
				type: 'kredibelApi',
				data: { apiKey: BENCH_API_KEY, environment: 'custom', baseUrl: sandbox.url },
			},
			{
				...CREDENTIALS.headerAuth,
				type: 'httpHeaderAuth',
				data: { name: 'Authorization', value: `Bearer ${BENCH_API_KEY}` },
			},
		]);
		await run.importWorkflows(variants.map((variant) => variant.workflow));

		const figures = new Map(variants.map((variant) => [variant.key, [] as ExecutionFigures[]]));
		for (let round = 0; round < plan.rounds; round++) {
			for (const pair of pairs) {
				// The two sides of a pair run back to back; which goes first alternates by round.
				const order = round % 2 === 0 ? pair : [pair[1], pair[0]];
				for (const key of order) {
					const variant = variants.find((candidate) => candidate.key === key)!;
					figures.get(key)!.push(await executeOnce(run, sandbox, variant));
				}
			}
		}

		const results = variants.map((variant) => toVariantResult(variant, figures.get(variant.key)!));
		return {
			version: plan.version,
			items: plan.items,
			selfieBytes: applicants.selfie.length,
			latencyMs: plan.latencyMs,
			photoItems: plan.photoItems,
			photoBytes: photos.selfie.length,
			variants: results,
			comparisons: pairs.map(([kredibel, alternative]) => compare(results, kredibel, alternative)),
		};
	} finally {
		await run.dispose();
	}
}

function buildVariants(applicants: Applicants, photos: Applicants, sandboxUrl: string): Variant[] {
	const isMatch = (item: OutputItem) => item.json.result === 'match';
	const kredibel = (concurrency: number): Variant => ({
		key: `kredibel-c${concurrency}`,
		label: `Kredibel Biometric, concurrency ${concurrency}${concurrency === 4 ? ' (default)' : ''}`,
		items: applicants.count,
		workflow: kredibelWorkflow(`benchKredibelC0${concurrency}`, applicants, concurrency),
		verifyingNodes: [NODE_NAMES.kredibel],
		isMatch,
	});
	const httpRequest = (size: number): Variant => ({
		key: `http-batch${size}`,
		label: `Code + HTTP Request, batches of ${size} every 100 ms`,
		items: applicants.count,
		workflow: httpRequestWorkflow(`benchHttpBatch0${size}`, applicants, sandboxUrl, {
			size,
			intervalMs: 100,
		}),
		verifyingNodes: [NODE_NAMES.encode, NODE_NAMES.httpRequest],
		isMatch: (item) =>
			(item.json.data as { response?: { face?: unknown } })?.response?.face === true,
	});
	const photoNode: Variant = {
		key: 'photo-node',
		label: 'Phone photo: Kredibel Biometric, Prepare Photo on',
		items: photos.count,
		workflow: phonePhotoWorkflow('benchPhotoNode01', photos, 'node'),
		verifyingNodes: [NODE_NAMES.kredibel],
		isMatch,
	};
	const photoEditImage: Variant = {
		key: 'photo-edit-image',
		label: 'Phone photo: Edit Image + Kredibel Biometric, Prepare Photo off',
		items: photos.count,
		workflow: phonePhotoWorkflow('benchPhotoEdit01', photos, 'editImage'),
		verifyingNodes: [NODE_NAMES.editImage, NODE_NAMES.kredibel],
		isMatch,
	};
	return [kredibel(4), httpRequest(4), kredibel(1), httpRequest(1), photoNode, photoEditImage];
}

async function executeOnce(
	run: N8nRun,
	sandbox: Sandbox,
	variant: Variant,
): Promise<ExecutionFigures> {
	const workflowId = variant.workflow.id!;
	sandbox.resetLog();
	const started = Date.now();
	// execute-batch, not execute: `n8n execute` prints the run on stdout and exits before a
	// pipe has taken several MB of it (the HTTP Request variant's run holds every body), so
	// its output arrives cut off; execute-batch writes the run to a file.
	const { value: results, peak: memory } = await watchPeakMemory(
		(commandLine) => commandLine.includes(` execute-batch --ids=${workflowId} `),
		() => run.executeBatch([workflowId], { timeoutMs: EXECUTE_TIMEOUT_MS }),
	);
	const result = results[workflowId];
	const callMs = Date.now() - started;
	if (memory.samples === 0) {
		throw new Error(`${variant.label}: n8n's process was never seen in /proc`);
	}
	assertVerifiedAll(variant, result, sandbox);
	return {
		callMs,
		workflowMs: Date.parse(result.raw.stoppedAt ?? '') - Date.parse(result.raw.startedAt),
		verifyMs: variant.verifyingNodes.reduce(
			(sum, name) => sum + (result.runData[name]?.[0]?.executionTime ?? NaN),
			0,
		),
		mainPeak: memory.mainPeak,
		runnerPeak: memory.descendantsPeak,
		treePeak: memory.treePeak,
		maxInFlight: sandbox.stats().maxInFlight,
		sent: sentImage(sandbox.requests()[0]?.faceImage),
	};
}

function sentImage(bytes: Buffer | undefined): SentImage {
	if (!bytes) throw new Error('the sandbox logged no image');
	const { width, height } = readJpegInfo(bytes);
	const exifOrientation = readJpegHeader(bytes, new PhotoBudget()).orientation;
	return { bytes: bytes.length, width, height, exifOrientation, exif: hasText(bytes, 'Exif') };
}

/** Timing a run that failed, or verified fewer items, would compare different work. */
function assertVerifiedAll(variant: Variant, result: ExecutionResult, sandbox: Sandbox): void {
	const { items } = variant;
	const problem = (what: string) =>
		new Error(
			`${variant.label}: ${what}\n${result.error?.message ?? ''}\n${result.log.slice(-2000)}`,
		);
	if (result.status !== 'success') throw problem(`execution ${result.status}`);
	const lastNode = variant.verifyingNodes[variant.verifyingNodes.length - 1];
	const output = outputsOf(result, lastNode).flat();
	const matched = output.filter(variant.isMatch).length;
	if (output.length !== items || matched !== items) {
		throw problem(`${matched} of ${items} items verified (${output.length} out)`);
	}
	const { totalRequests } = sandbox.stats();
	if (totalRequests !== items) throw problem(`${totalRequests} requests for ${items} items`);
}

function toVariantResult(variant: Variant, runs: ExecutionFigures[]): N8nVariantResult {
	const pick = (field: Exclude<keyof ExecutionFigures, 'sent'>, scale = 1) =>
		summarize(runs.map((figures) => figures[field] / scale));
	return {
		key: variant.key,
		label: variant.label,
		callMs: pick('callMs'),
		workflowMs: pick('workflowMs'),
		verifyMs: pick('verifyMs'),
		perItemMs: summarize(runs.map((figures) => figures.verifyMs / variant.items)),
		mainPeakMb: pick('mainPeak', MB),
		runnerPeakMb: pick('runnerPeak', MB),
		treePeakMb: pick('treePeak', MB),
		maxInFlight: pick('maxInFlight'),
		sent: runs[runs.length - 1].sent,
	};
}

function compare(
	results: N8nVariantResult[],
	kredibel: string,
	alternative: string,
): N8nComparison {
	const of = (key: string) => results.find((result) => result.key === key)!;
	const node = of(kredibel);
	const other = of(alternative);
	return {
		kredibel,
		alternative,
		time: worstStanding([
			standing(node.workflowMs, other.workflowMs),
			standing(node.verifyMs, other.verifyMs),
		]),
		memory: worstStanding([
			standing(node.mainPeakMb, other.mainPeakMb),
			standing(node.treePeakMb, other.treePeakMb),
		]),
		ratio: {
			callMs: node.callMs.median / other.callMs.median,
			workflowMs: node.workflowMs.median / other.workflowMs.median,
			verifyMs: node.verifyMs.median / other.verifyMs.median,
			perItemMs: node.perItemMs.median / other.perItemMs.median,
			mainPeak: node.mainPeakMb.median / other.mainPeakMb.median,
			treePeak: node.treePeakMb.median / other.treePeakMb.median,
		},
	};
}
