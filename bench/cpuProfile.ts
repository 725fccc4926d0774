/**
 * Reads a V8 .cpuprofile of the node and says where each item's time goes, in the TypeScript
 * sources (through dist/'s source maps): per node function (its own code, and what it calls:
 * Buffer methods, regular expressions, promise machinery), per source line, and in buckets
 * (base64 encoding, garbage collection, the bench's own code, the rest).
 */
import fs from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { REPO_ROOT } from './loadNode';

interface CallFrame {
	functionName: string;
	url: string;
	lineNumber: number;
	columnNumber: number;
}

interface ProfileNode {
	id: number;
	callFrame: CallFrame;
	children?: number[];
	positionTicks?: Array<{ line: number; ticks: number }>;
}

interface CpuProfile {
	nodes: ProfileNode[];
	samples: number[];
	timeDeltas: number[];
}

export interface FunctionCost {
	/** `nodes/KredibelBiometric/sendItem.ts:33 sendItem` */
	function: string;
	selfNs: number;
	calleesNs: number;
	/** The functions it calls that cost most, e.g. `base64Slice 11200, equals 90`. */
	topCallees: string;
}

export interface LineCost {
	/** `nodes/KredibelBiometric/image/readImage.ts:31` */
	line: string;
	code: string;
	selfNs: number;
}

export interface ProfileBreakdown {
	/** Nanoseconds per item, all buckets together make up `total`. */
	nsPerItem: {
		total: number;
		base64: number;
		nodeCode: number;
		garbageCollector: number;
		/** The bench's mock context and transport (n8n's own helpers in real use). */
		benchCode: number;
		other: number;
	};
	functions: FunctionCost[];
	lines: LineCost[];
}

/** The package's compiled code (not n8n-workflow's own dist/ under node_modules). */
const NODE_CODE = path.join(REPO_ROOT, 'dist') + path.sep;
const BENCH_CODE = path.join(REPO_ROOT, 'bench') + path.sep;

/** Frames name CommonJS files by file: URL, built-ins by `node:` names. */
function fileOf(url: string): string {
	return url.startsWith('file:') ? fileURLToPath(url) : url;
}

function isNodeCode(url: string): boolean {
	return fileOf(url).startsWith(NODE_CODE);
}

function isBenchCode(url: string): boolean {
	return fileOf(url).startsWith(BENCH_CODE);
}

export function analyzeProfile(profileFile: string, items: number): ProfileBreakdown {
	const profile = JSON.parse(fs.readFileSync(profileFile, 'utf8')) as CpuProfile;
	const sources = new SourceLocator();
	const byId = new Map(profile.nodes.map((node) => [node.id, node]));
	const parentOf = new Map<number, number>();
	for (const node of profile.nodes)
		for (const child of node.children ?? []) parentOf.set(child, node.id);

	const selfUsOf = sampleDurations(profile);
	const buckets = { base64: 0, nodeCode: 0, garbageCollector: 0, benchCode: 0, other: 0 };
	const functions = new Map<string, { self: number; callees: Map<string, number> }>();
	for (const [nodeId, micros] of selfUsOf) {
		const leaf = byId.get(nodeId)!;
		if (leaf.callFrame.functionName === '(garbage collector)') {
			buckets.garbageCollector += micros;
			continue;
		}
		if (isBase64Encoding(leaf.callFrame)) {
			buckets.base64 += micros;
			continue;
		}
		// Whoever's code is innermost on the stack owns the sample: a Buffer method or a promise
		// resolution called by the node is the node's cost, one called by the bench's mock is not.
		let owner: ProfileNode | undefined = leaf;
		while (owner && !isOwnCode(owner.callFrame.url)) owner = byId.get(parentOf.get(owner.id) ?? -1);
		if (!owner) {
			buckets.other += micros;
			continue;
		}
		if (isBenchCode(owner.callFrame.url)) {
			buckets.benchCode += micros;
			continue;
		}
		buckets.nodeCode += micros;
		const name = sources.functionName(owner.callFrame);
		const cost = functions.get(name) ?? { self: 0, callees: new Map<string, number>() };
		functions.set(name, cost);
		if (owner === leaf) cost.self += micros;
		else {
			const callee = leaf.callFrame.functionName || '(anonymous)';
			cost.callees.set(callee, (cost.callees.get(callee) ?? 0) + micros);
		}
	}

	const perItemNs = (micros: number) => Math.round((micros * 1000) / items);
	const total = Object.values(buckets).reduce((sum, micros) => sum + micros, 0);
	return {
		nsPerItem: {
			total: perItemNs(total),
			base64: perItemNs(buckets.base64),
			nodeCode: perItemNs(buckets.nodeCode),
			garbageCollector: perItemNs(buckets.garbageCollector),
			benchCode: perItemNs(buckets.benchCode),
			other: perItemNs(buckets.other),
		},
		functions: [...functions]
			.map(([name, cost]) => {
				const callees = [...cost.callees].sort((a, b) => b[1] - a[1]);
				return {
					function: name,
					selfNs: perItemNs(cost.self),
					calleesNs: perItemNs(callees.reduce((sum, [, micros]) => sum + micros, 0)),
					topCallees: callees
						.slice(0, 3)
						.map(([callee, micros]) => `${callee} ${perItemNs(micros)}`)
						.join(', '),
				};
			})
			.sort((a, b) => b.selfNs + b.calleesNs - (a.selfNs + a.calleesNs)),
		lines: lineCosts(profile, selfUsOf, sources, perItemNs),
	};
}

/** Buffer#toString('base64'): node:buffer's `slice` wrapper, or the native base64Slice. */
function isBase64Encoding(frame: CallFrame): boolean {
	return (
		frame.functionName === 'base64Slice' ||
		(frame.url === 'node:buffer' && frame.functionName === 'slice')
	);
}

function isOwnCode(url: string): boolean {
	return isNodeCode(url) || isBenchCode(url);
}

/** Microseconds per profile node: each sample lasts until the next one is taken. */
function sampleDurations(profile: CpuProfile): Map<number, number> {
	const durations = new Map<number, number>();
	profile.samples.forEach((nodeId, index) => {
		const micros = profile.timeDeltas[index + 1] ?? 0;
		durations.set(nodeId, (durations.get(nodeId) ?? 0) + Math.max(0, micros));
	});
	return durations;
}

/** Self time split over source lines with V8's per-line tick counts (positionTicks). */
function lineCosts(
	profile: CpuProfile,
	selfUsOf: Map<number, number>,
	sources: SourceLocator,
	perItemNs: (micros: number) => number,
): LineCost[] {
	const lines = new Map<string, number>();
	for (const node of profile.nodes) {
		if (!isNodeCode(node.callFrame.url) || !node.positionTicks) continue;
		const ticks = node.positionTicks.reduce((sum, entry) => sum + entry.ticks, 0);
		const micros = selfUsOf.get(node.id) ?? 0;
		for (const entry of node.positionTicks) {
			const where = sources.locateLine(node.callFrame.url, entry.line - 1);
			lines.set(where, (lines.get(where) ?? 0) + (micros * entry.ticks) / ticks);
		}
	}
	return [...lines]
		.map(([line, micros]) => ({ line, code: sources.codeAt(line), selfNs: perItemNs(micros) }))
		.sort((a, b) => b.selfNs - a.selfNs);
}

/** dist/ positions back to the TypeScript sources, with the source text for the report. */
class SourceLocator {
	private readonly maps = new Map<string, SourceMap | null>();
	private readonly texts = new Map<string, string[]>();

	functionName(frame: CallFrame): string {
		const where = this.locate(frame.url, frame.lineNumber, frame.columnNumber);
		return `${where} ${frame.functionName || '(anonymous)'}`;
	}

	/** `nodes/KredibelBiometric/x.ts:12` for a 0-based line and column in a dist/ file. */
	locate(url: string, line: number, column: number): string {
		const file = fileOf(url);
		const entry = this.mapOf(file)?.findEntry(line, column);
		if (entry && 'originalSource' in entry && entry.originalSource) {
			const source = path.resolve(path.dirname(file), entry.originalSource);
			return `${path.relative(REPO_ROOT, source)}:${entry.originalLine + 1}`;
		}
		return `${path.relative(REPO_ROOT, file)}:${line + 1}`;
	}

	/**
	 * A whole dist/ line (0-based): mapped from its first non-blank column, since a position
	 * in the indentation maps back to the end of the previous statement.
	 */
	locateLine(url: string, line: number): string {
		const file = fileOf(url);
		const text = this.linesOf(file)[line] ?? '';
		return this.locate(url, line, Math.max(0, text.search(/\S/)));
	}

	codeAt(location: string): string {
		const [file, line] = location.split(':');
		return (this.linesOf(path.join(REPO_ROOT, file))[Number(line) - 1] ?? '').trim();
	}

	private linesOf(file: string): string[] {
		let lines = this.texts.get(file);
		if (!lines) {
			try {
				lines = fs.readFileSync(file, 'utf8').split('\n');
			} catch {
				lines = [];
			}
			this.texts.set(file, lines);
		}
		return lines;
	}

	private mapOf(file: string): SourceMap | null {
		if (!this.maps.has(file)) {
			try {
				this.maps.set(file, new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, 'utf8'))));
			} catch {
				this.maps.set(file, null);
			}
		}
		return this.maps.get(file) ?? null;
	}
}
