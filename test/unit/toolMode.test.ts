/**
 * Tool mode as n8n sees it: the node's parameters run through n8n-workflow's own display rules
 * for the tool variant (`kredibelBiometricTool`) and the plain node, and the compact answers a
 * model gets for a verdict and for a failure.
 */
import { NodeHelpers, type INodeProperties, type INodeTypeDescription } from 'n8n-workflow';

import { KredibelBiometric } from '../../nodes/KredibelBiometric/KredibelBiometric.node';
import {
	TOOL_DESCRIPTION,
	TOOL_FAILURE_MIN_MS,
	isToolMode,
	toolClock,
	toToolItems,
	toToolJson,
	waitForToolFailureTime,
} from '../../nodes/KredibelBiometric/toolMode';

const { description } = new KredibelBiometric();
const node = { typeVersion: 1 };
/** What n8n's convertNodeToAiTool makes of the description (the name is all `@tool` reads). */
const asTool = { ...description, name: `${description.name}Tool` } as INodeTypeDescription;
const topLevel = (name: string) => description.properties.find((p) => p.name === name)!;
const option = (name: string) =>
	(topLevel('options').options as INodeProperties[]).find((o) => o.name === name)!;

const HIDDEN_AS_TOOL = [
	() => topLevel('routeByResult'),
	() => topLevel('binaryPropertyName'),
	() => option('concurrency'),
	() => option('keepBinary'),
];

describe('tool mode', () => {
	it('is the node type n8n names with Tool appended', () => {
		expect(isToolMode({ type: 'n8n-nodes-kredibel.kredibelBiometricTool' })).toBe(true);
		expect(isToolMode({ type: 'n8n-nodes-kredibel.kredibelBiometric' })).toBe(false);
	});

	it.each(HIDDEN_AS_TOOL.map((get) => [get().displayName, get]))(
		'hides %s in the tool variant and shows it in the plain node',
		(_label, get) => {
			const values = { imageSource: 'binary' };
			expect(NodeHelpers.displayParameter(values, get(), node, asTool)).toBe(false);
			expect(NodeHelpers.displayParameter(values, get(), node, description)).toBe(true);
		},
	);

	it('runs the tool with one output: Route by Result is not among its parameters', () => {
		const saved = { identityId: '1234567890123456', imageSource: 'url', routeByResult: true };
		const resolve = (type: INodeTypeDescription) =>
			NodeHelpers.getNodeParameters(description.properties, saved, true, false, node, type)!;
		expect(resolve(asTool).routeByResult).toBeUndefined();
		expect(resolve(description).routeByResult).toBe(true);
	});

	it('gives the tool its description for a model by default, and the plain node none', () => {
		const resolve = (type: INodeTypeDescription) =>
			NodeHelpers.getNodeParameters(description.properties, {}, true, false, node, type)!;
		expect(resolve(asTool).toolDescription).toBe(TOOL_DESCRIPTION);
		expect(resolve(description).toolDescription).toBeUndefined();
		for (const words of ['charged', '"match"', 'no_match', 'errorType', 'NIK']) {
			expect(TOOL_DESCRIPTION).toContain(words);
		}
	});
});

describe('answers to the model', () => {
	const verdict = {
		id: 'c1f0',
		identityId: '317101******0001',
		isValid: true,
		isActive: true,
		face: true,
		faceSimilarity: 0.91,
		result: 'match',
		threshold: 0.75,
		message: 'Identity biometric verification succeeded.',
	};
	const failure = {
		error: '[item 0] Kredibel detected no face in the selfie',
		description: 'Ask for a new selfie with the face clearly visible.',
		errorType: 'no_face_detected',
		errorId: 'e-42',
		charged: true,
		httpCode: 400,
		identityId: '317101******0001',
		attempts: 1,
	};

	it('keeps a verdict to result, similarity and message, without the NIK', () => {
		expect(toToolJson(verdict)).toEqual({
			result: 'match',
			faceSimilarity: 0.91,
			message: 'Identity biometric verification succeeded.',
		});
	});

	it('turns a failure into result "error" with its type, what to do and the charge', () => {
		expect(toToolJson(failure)).toEqual({
			result: 'error',
			errorType: 'no_face_detected',
			message: 'Kredibel detected no face in the selfie',
			whatToDo: 'Ask for a new selfie with the face clearly visible.',
			charged: true,
		});
	});

	it('says "unknown" when a failure does not say whether it was charged', () => {
		const unsure: Record<string, unknown> = { ...failure };
		delete unsure.charged;
		expect(toToolJson(unsure as typeof failure).charged).toBe('unknown');
	});

	it('keeps each item paired with its input and drops binary data', () => {
		const items = toToolItems([
			{ json: verdict, pairedItem: { item: 0 }, binary: { data: { data: 'AA==', mimeType: 'x' } } },
			{ json: failure, pairedItem: { item: 1 } },
		]);
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(items.every((item) => item.binary === undefined)).toBe(true);
		expect(items.map((item) => item.json.result)).toEqual(['match', 'error']);
	});
});

describe('tool mode answers failed links in one time (issue 27, point 3)', () => {
	/** A clock the test moves: `sleep` advances it and records the wait, no wall time passes. */
	function virtualClock(start: number) {
		let now = start;
		const waits: number[] = [];
		jest.spyOn(toolClock, 'now').mockImplementation(() => now);
		jest.spyOn(toolClock, 'sleep').mockImplementation(async (ms) => {
			waits.push(ms);
			now += ms;
		});
		return { waits, now: () => now, advance: (ms: number) => (now += ms) };
	}

	afterEach(() => {
		jest.restoreAllMocks();
	});

	it.each([0, 5, 16, 400, 999])(
		'a failure after %s ms answers exactly TOOL_FAILURE_MIN_MS after its start',
		async (took) => {
			const clock = virtualClock(1_000_000);
			const startedAt = toolClock.now();
			clock.advance(took);
			await waitForToolFailureTime(startedAt);
			expect(clock.now() - startedAt).toBe(TOOL_FAILURE_MIN_MS);
			expect(clock.waits).toEqual([TOOL_FAILURE_MIN_MS - took]);
		},
	);

	it('a failure slower than that answers when it ends, without waiting more', async () => {
		const clock = virtualClock(5_000);
		const startedAt = toolClock.now();
		clock.advance(TOOL_FAILURE_MIN_MS + 250);
		await waitForToolFailureTime(startedAt);
		expect(clock.waits).toEqual([]);
	});

	it('the answer comes only once the wait is over', async () => {
		let finishWait: () => void = () => {};
		jest.spyOn(toolClock, 'now').mockReturnValue(0);
		jest
			.spyOn(toolClock, 'sleep')
			.mockImplementation(() => new Promise<void>((resolve) => (finishWait = resolve)));
		let answered = false;
		const waiting = waitForToolFailureTime(0).then(() => (answered = true));
		await Promise.resolve();
		expect(answered).toBe(false);
		finishWait();
		await waiting;
		expect(answered).toBe(true);
	});
});
