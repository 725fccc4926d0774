/**
 * The small node types the engine tests wire around the Kredibel node, defined in code so the
 * tests need no n8n-nodes-base: a start node that feeds the test's items (storing their files
 * through n8n's real binary helpers), a pass-through node whose run data shows what reached
 * it, and an agent that calls a connected tool the way n8n's AI Agent does.
 */
import type {
	IBinaryData,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
} from 'n8n-workflow';

export const TEST_NODE_TYPES = {
	start: 'engine-test.start',
	collect: 'engine-test.collect',
	agent: 'engine-test.agent',
} as const;

/** A file of an input item, stored by the start node through `prepareBinaryData`. */
export interface InputFile {
	bytes: Buffer;
	mimeType?: string;
	fileName?: string;
}

export interface InputItem {
	json: IDataObject;
	binary?: Record<string, InputFile>;
}

/**
 * Emits the given items. Their files go through `helpers.prepareBinaryData`, so in filesystem
 * mode the items carry storage ids, as items from a Form Trigger or Read File do.
 */
export function startNodeType(items: InputItem[]): INodeType {
	return {
		description: {
			displayName: 'Start',
			name: TEST_NODE_TYPES.start,
			group: ['trigger'],
			version: 1,
			description: 'Feeds the test items',
			defaults: { name: 'Start' },
			inputs: [],
			outputs: ['main'],
			properties: [],
		},
		async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
			const output: INodeExecutionData[] = [];
			for (const item of items) {
				const out: INodeExecutionData = { json: structuredClone(item.json) };
				if (item.binary) {
					const binary: Record<string, IBinaryData> = {};
					for (const [name, file] of Object.entries(item.binary)) {
						// The MIME type is always given: n8n would otherwise sniff it with an ESM-only
						// package that Jest's CommonJS runtime cannot import.
						binary[name] = await this.helpers.prepareBinaryData(
							file.bytes,
							file.fileName ?? 'selfie.jpg',
							file.mimeType ?? 'image/jpeg',
						);
					}
					out.binary = binary;
				}
				output.push(out);
			}
			return [output];
		},
	};
}

/** Passes its input on unchanged: its run data is what reached it, its absence that nothing did. */
export const collectNodeType: INodeType = {
	description: {
		displayName: 'Collect',
		name: TEST_NODE_TYPES.collect,
		group: ['transform'],
		version: 1,
		description: 'Records what reaches it',
		defaults: { name: 'Collect' },
		inputs: ['main'],
		outputs: ['main'],
		properties: [],
	},
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData()];
	},
};

/** One tool call, as a language model would ask for it. */
export interface ToolCall {
	/** The arguments, keyed by the names the tool's `$fromAI()` expressions use. */
	arguments: IDataObject;
}

/**
 * Gets the connected tools through `getInputConnectionData('ai_tool')`, which is where n8n-core
 * wraps a `...Tool` node with `createNodeAsTool`, and invokes the first one with each call.
 * The tool's answers (strings, as a model receives them) become this node's output items.
 */
export function agentNodeType(calls: ToolCall[]): INodeType {
	return {
		description: {
			displayName: 'Agent',
			name: TEST_NODE_TYPES.agent,
			group: ['transform'],
			version: 1,
			description: 'Calls its tool like an AI Agent',
			defaults: { name: 'Agent' },
			inputs: ['main', { type: 'ai_tool', displayName: 'Tools' }],
			outputs: ['main'],
			properties: [],
		},
		async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
			const tools = (await this.getInputConnectionData('ai_tool', 0)) as Array<{
				name: string;
				invoke(args: IDataObject): Promise<string>;
			}>;
			const [tool] = tools;
			const output: INodeExecutionData[] = [];
			for (const call of calls) {
				try {
					output.push({ json: { tool: tool.name, answer: await tool.invoke(call.arguments) } });
				} catch (error) {
					// What a model would see when the tool itself throws.
					output.push({ json: { tool: tool.name, thrown: (error as Error).message } });
				}
			}
			return [output];
		},
	};
}
