/**
 * The local Kredibel sandbox as the bench uses it: started once in the bench's own process and
 * reached over loopback HTTP by the worker processes (and by n8n), so the node under test never
 * shares its event loop or its memory with the server it calls, as with the real Kredibel.
 * Workers drive it through its control API (`/__sandbox/...`).
 */
import { startSandbox, type Sandbox, type SandboxStats } from '../test/sandbox/server';
import { BENCH_API_KEY } from './benchContext';

export function startBenchSandbox(latencyMs: number): Promise<Sandbox> {
	return startSandbox({ apiKey: BENCH_API_KEY, latencyMs });
}

/** Clears the request log and counters (and with them the images the log keeps). */
export async function resetSandbox(sandboxUrl: string): Promise<void> {
	const response = await fetch(`${sandboxUrl}/__sandbox/reset`, { method: 'POST' });
	if (!response.ok) throw new Error(`sandbox reset answered HTTP ${response.status}`);
}

export async function sandboxStats(sandboxUrl: string): Promise<SandboxStats> {
	const response = await fetch(`${sandboxUrl}/__sandbox/stats`);
	if (!response.ok) throw new Error(`sandbox stats answered HTTP ${response.status}`);
	return (await response.json()) as SandboxStats;
}
