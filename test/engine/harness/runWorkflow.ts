/**
 * Runs a small workflow inside n8n-core's WorkflowExecute: Start (the test's items) -> Kredibel
 * Biometric -> one Collect node per output n8n draws for it (named after the output: No Verdict,
 * Match, No Match, Invalid Identity, Error, or Output) -> Approve after Match (or the one output). What n8n
 * does around the node is n8n's own code: computed outputs, the error output, continue-on-fail,
 * Retry On Fail, Always Output Data, Execute Once, pairedItem, credentials, binary data and the
 * HTTP client. Every run is checked for the API key in everything n8n keeps of it.
 */
import { randomUUID } from 'node:crypto';

import { ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import {
	createRunExecutionData,
	NodeHelpers,
	Workflow,
	type ExecutionError,
	type ICredentialDataDecryptedObject,
	type IConnections,
	type INode,
	type INodeExecutionData,
	type INodeParameters,
	type INodeType,
	type IRun,
	type ITaskData,
	type IWorkflowBase,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

import { assertNoSecret } from '../../helpers/secrets';
import { buildAdditionalData } from './additionalData';
import { useFilesystemBinaryData } from './binaryData';
import { EngineCredentialsHelper } from './credentialsHelper';
import { EngineNodeTypes, KREDIBEL_TOOL_TYPE, KREDIBEL_TYPE } from './engineNodeTypes';
import {
	agentNodeType,
	collectNodeType,
	startNodeType,
	TEST_NODE_TYPES,
	type InputItem,
	type ToolCall,
} from './testNodes';

export const KREDIBEL_NODE = 'Kredibel Biometric';
export const START_NODE = 'Start';
/**
 * Runs after Match when routing, else after the one output: an approve branch that must not run
 * for anyone Kredibel did not match.
 */
export const APPROVE_NODE = 'Approve';
/** In tool mode: the node that calls the Kredibel tool. */
export const AGENT_NODE = 'Agent';
const CREDENTIAL_ID = 'kredibel-credential-1';

/** n8n's node settings (the Settings tab), as stored on the node. */
export type NodeSettings = Pick<
	INode,
	| 'onError'
	| 'retryOnFail'
	| 'maxTries'
	| 'waitBetweenTries'
	| 'alwaysOutputData'
	| 'executeOnce'
	| 'disabled'
>;

export interface WorkflowSpec {
	items: InputItem[];
	parameters: INodeParameters;
	settings?: NodeSettings;
	/** Stored credential data; null: no credential selected on the node. */
	credentials: ICredentialDataDecryptedObject | null;
	mode?: WorkflowExecuteMode;
	/**
	 * Tool mode: the node is attached as a tool (`...Tool` type) to an Agent node, which Start
	 * feeds and which makes these tool calls; the Agent's output items hold the answers.
	 */
	toolCalls?: ToolCall[];
	/** Called once the run has started, with a function that stops the execution. */
	onStarted?: (cancel: () => void) => void;
}

export interface EngineRun {
	/** What `this.getExecutionId()` returned inside the node. */
	executionId: string;
	run: IRun;
	/** The error that ended the execution (stop-on-error), if any. */
	error: ExecutionError | undefined;
	/** The Kredibel node's task data, as n8n recorded it (after its output processing). */
	task: ITaskData | undefined;
	/** Its outputs, one array per output n8n drew; undefined when the node recorded none. */
	outputs: INodeExecutionData[][] | undefined;
	/** The names of the outputs n8n drew, in order (Match, No Match, ..., Error). */
	outputNames: string[];
	/**
	 * The node's items on the output with that name (Match, No Match, ..., Error), with
	 * `pairedItem` pointing at the node's own input items; [] when n8n put nothing there.
	 */
	output(name: string): INodeExecutionData[];
	/**
	 * What reached a downstream node; undefined when that node did not run. (n8n re-pairs
	 * items at every node, so use `output()` for the pairing with the Kredibel node's input.)
	 */
	reached(nodeName: string): INodeExecutionData[] | undefined;
	/** The requests the credential authenticated: what the node asked n8n to send. */
	authenticatedRequests: EngineCredentialsHelper['authenticated'];
}

let lastExecutionId = 1000;

export async function runWorkflow(spec: WorkflowSpec): Promise<EngineRun> {
	const storage = await useFilesystemBinaryData();
	try {
		return await execute(spec);
	} finally {
		storage.dispose();
	}
}

async function execute(spec: WorkflowSpec): Promise<EngineRun> {
	const nodeTypes = new EngineNodeTypes([
		startNodeType(spec.items),
		collectNodeType,
		agentNodeType(spec.toolCalls ?? []),
	]);
	const kredibel: INode = {
		id: randomUUID(),
		name: KREDIBEL_NODE,
		type: spec.toolCalls ? KREDIBEL_TOOL_TYPE : KREDIBEL_TYPE,
		typeVersion: 1,
		position: [200, 0],
		parameters: spec.parameters,
		...(spec.credentials
			? { credentials: { kredibelApi: { id: CREDENTIAL_ID, name: 'Kredibel sandbox' } } }
			: {}),
		...spec.settings,
	};
	const start: INode = {
		id: randomUUID(),
		name: START_NODE,
		type: TEST_NODE_TYPES.start,
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
	};
	const outputNames = spec.toolCalls ? [] : drawnOutputs(kredibel, start, nodeTypes);
	const downstream = spec.toolCalls ? [] : [...outputNames, APPROVE_NODE];
	const collectors = downstream.map(
		(name, index): INode => ({
			id: randomUUID(),
			name,
			type: TEST_NODE_TYPES.collect,
			typeVersion: 1,
			position: [400, index * 150],
			parameters: {},
		}),
	);
	if (spec.toolCalls) {
		collectors.push({
			id: randomUUID(),
			name: AGENT_NODE,
			type: TEST_NODE_TYPES.agent,
			typeVersion: 1,
			position: [400, 0],
			parameters: {},
		});
	}
	const connections: IConnections = spec.toolCalls
		? {
				[START_NODE]: { main: [[{ node: AGENT_NODE, type: 'main', index: 0 }]] },
				[KREDIBEL_NODE]: { ai_tool: [[{ node: AGENT_NODE, type: 'ai_tool', index: 0 }]] },
			}
		: {
				[START_NODE]: { main: [[{ node: KREDIBEL_NODE, type: 'main', index: 0 }]] },
				[KREDIBEL_NODE]: {
					main: outputNames.map((name) => [{ node: name, type: 'main', index: 0 }]),
				},
				[approvedAfter(outputNames)]: {
					main: [[{ node: APPROVE_NODE, type: 'main', index: 0 }]],
				},
			};
	const workflowData: IWorkflowBase = {
		id: 'engine-test-workflow',
		name: 'Kredibel engine test',
		active: false,
		isArchived: false,
		nodes: [start, kredibel, ...collectors],
		connections,
		settings: { executionOrder: 'v1' },
		createdAt: new Date(),
		updatedAt: new Date(),
		activeVersionId: null,
	};
	const workflow = new Workflow({
		id: workflowData.id,
		name: workflowData.name,
		nodes: workflowData.nodes,
		connections,
		active: false,
		nodeTypes,
		settings: workflowData.settings,
	});

	const executionId = String(++lastExecutionId);
	const mode = spec.mode ?? 'manual';
	const hooks = new ExecutionLifecycleHooks(mode, executionId, workflowData);
	let reportFinished: (run: IRun) => void = () => {};
	const finished = new Promise<IRun>((resolve) => (reportFinished = resolve));
	hooks.addHandler('workflowExecuteAfter', (fullRunData) => reportFinished(fullRunData));
	const credentialsHelper = new EngineCredentialsHelper(
		spec.credentials ? { [CREDENTIAL_ID]: spec.credentials } : {},
	);
	const additionalData = buildAdditionalData({ executionId, hooks, credentialsHelper });

	const runExecutionData = createRunExecutionData({
		executionData: {
			// Tool calls carry their own image: Start feeds the Agent one empty item then.
			nodeExecutionStack: [{ node: start, data: { main: [[{ json: {} }]] }, source: null }],
		},
	});
	const execution = new WorkflowExecute(additionalData, mode, runExecutionData);
	const running = execution.processRunExecutionData(workflow);
	spec.onStarted?.(() => running.cancel());
	await running;
	const run = await finished;

	assertNoSecret(run);
	const task = run.data.resultData.runData[KREDIBEL_NODE]?.[0];
	return {
		executionId,
		run,
		error: run.data.resultData.error,
		task,
		outputs: task?.data?.main?.map((items) => items ?? []),
		outputNames,
		output: (name) => {
			const index = outputNames.indexOf(name);
			if (index === -1)
				throw new Error(`n8n drew no output named ${name}: ${outputNames.join(', ')}`);
			return task?.data?.main?.[index] ?? [];
		},
		reached: (nodeName) => run.data.resultData.runData[nodeName]?.[0]?.data?.main?.[0] ?? undefined,
		authenticatedRequests: credentialsHelper.authenticated,
	};
}

/** The output an approve step hangs off: Match when routing, else the one output. */
export function approvedAfter(outputNames: string[]): string {
	return outputNames.includes('Match') ? 'Match' : outputNames[0];
}

/**
 * The outputs n8n draws for the node with these parameters and settings (its outputs
 * expression, plus the error output with "Continue (using error output)").
 */
function drawnOutputs(node: INode, start: INode, nodeTypes: EngineNodeTypes): string[] {
	const probe = new Workflow({
		nodes: [start, node],
		connections: {},
		active: false,
		nodeTypes,
	});
	const type = nodeTypes.getByNameAndVersion(node.type) as INodeType;
	const outputs = NodeHelpers.getNodeOutputs(probe, node, type.description);
	const names = outputs.map((output, index) => {
		if (typeof output === 'string') return outputs.length === 1 ? 'Output' : `Output ${index}`;
		if (output.category === 'error') return 'Error';
		return output.displayName ?? (outputs.length === 1 ? 'Output' : `Output ${index}`);
	});
	return names;
}
