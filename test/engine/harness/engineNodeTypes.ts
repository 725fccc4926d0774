/**
 * The node-type registry a test workflow runs against (n8n's INodeTypes). It holds the Kredibel
 * node loaded from its TypeScript sources, so a change under nodes/ is tested without a build,
 * and, for a type name ending in `Tool`, the AI-tool variant n8n derives from a node that is
 * `usableAsTool`. n8n does that derivation in its CLI package (`convertNodeToAiTool`), which is
 * not a dependency here; `asAiTool` below makes the same changes to the description.
 */
import {
	NodeConnectionTypes,
	NodeHelpers,
	type IDataObject,
	type INodeType,
	type INodeTypeDescription,
	type INodeTypes,
	type IVersionedNodeType,
} from 'n8n-workflow';

import { KredibelBiometric } from '../../../nodes/KredibelBiometric/KredibelBiometric.node';

/** The package name n8n prefixes community node types with. */
export const PACKAGE_NAME = 'n8n-nodes-kredibel';
export const KREDIBEL_TYPE = `${PACKAGE_NAME}.kredibelBiometric`;
export const KREDIBEL_TOOL_TYPE = `${KREDIBEL_TYPE}Tool`;

/**
 * What n8n changes when it offers a node as a tool: the `Tool` suffix, no main input, one
 * `ai_tool` output, and a Description parameter the model reads. The execute method is the
 * node's own.
 */
export function asAiTool(nodeType: INodeType): INodeType {
	const base = nodeType.description;
	const description: INodeTypeDescription = {
		...base,
		name: `${base.name}Tool`,
		displayName: `${base.displayName} Tool`,
		inputs: [],
		outputs: [NodeConnectionTypes.AiTool],
		properties: [
			...base.properties,
			{
				displayName: 'Description',
				name: 'toolDescription',
				type: 'string',
				default: base.description,
				required: true,
			},
		],
	};
	delete description.usableAsTool;
	const tool = Object.create(nodeType) as INodeType;
	Object.defineProperty(tool, 'description', { value: description });
	return tool;
}

export class EngineNodeTypes implements INodeTypes {
	private readonly types = new Map<string, INodeType>();

	constructor(extraTypes: INodeType[] = []) {
		const kredibel = new KredibelBiometric();
		// Keyed by the full type a workflow names; the description keeps the short name, as
		// n8n's loader leaves it.
		this.types.set(KREDIBEL_TYPE, kredibel);
		this.types.set(KREDIBEL_TOOL_TYPE, asAiTool(kredibel));
		for (const type of extraTypes) this.types.set(type.description.name, type);
	}

	getByName(nodeType: string): INodeType | IVersionedNodeType {
		const type = this.types.get(nodeType);
		if (!type) throw new Error(`Unknown node type in an engine test: ${nodeType}`);
		return type;
	}

	getByNameAndVersion(nodeType: string, version?: number): INodeType {
		return NodeHelpers.getVersionedNodeType(this.getByName(nodeType), version);
	}

	getKnownTypes(): IDataObject {
		return Object.fromEntries([...this.types.keys()].map((name) => [name, {}]));
	}
}
