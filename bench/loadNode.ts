/**
 * The node as users run it: the compiled JavaScript in dist/ (what `npm pack` ships and n8n
 * loads), not the TypeScript sources that tsx would compile on the fly with other settings.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const DIST_NODE = path.join(
	REPO_ROOT,
	'dist',
	'nodes',
	'KredibelBiometric',
	'KredibelBiometric.node.js',
);

export interface LoadedNode {
	execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]>;
}

export async function loadNodeFromDist(): Promise<LoadedNode> {
	if (!fs.existsSync(DIST_NODE)) {
		throw new Error(`${DIST_NODE} is missing: run \`npm run build\` first (npm run bench does)`);
	}
	const compiled = (await import(DIST_NODE)) as { KredibelBiometric: new () => LoadedNode };
	return new compiled.KredibelBiometric();
}
