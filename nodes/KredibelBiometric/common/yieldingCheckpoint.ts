/**
 * Long local work (decoding a photo, scanning an SVG, looking for a face) runs on n8n's one main
 * thread beside its editor, webhooks and timers. The work calls a checkpoint between units; this
 * one gives the event loop back whenever YIELD_EVERY_MS has passed since it last did, and stops
 * the work when the execution is cancelled. `sleep` from n8n-workflow is the sanctioned wait in a
 * community node.
 */
import { sleep } from 'n8n-workflow';

/** The longest stretch of local work between two turns of the event loop, give or take a unit. */
const YIELD_EVERY_MS = 20;

/** `cancelled` makes the error thrown into the work when the execution was stopped. */
export function yieldingCheckpoint(
	isCancelled: () => boolean,
	cancelled: () => Error,
): () => Promise<void> {
	let lastYield = Date.now();
	return async () => {
		if (isCancelled()) throw cancelled();
		if (Date.now() - lastYield < YIELD_EVERY_MS) return;
		await sleep(0);
		lastYield = Date.now();
		if (isCancelled()) throw cancelled();
	};
}
