/**
 * Route by Result decides how many outputs n8n draws, and n8n decides that from the parameter
 * before expressions run (2.x and 1.123 from its text, so one output; 1.81 from its value). A
 * workflow wired for four outputs would then send every result, no-matches and failures
 * included, down whichever output is still connected. So anything but plainly on or off is
 * refused before any request.
 */
import { quoteValue } from './common';

interface Refusal {
	message: string;
	description: string;
}

/**
 * Route by Result as the user set it, before n8n evaluates anything: on, off, or refused.
 * `true`/`false`, missing, and the text "true"/"false" of a hand-edited workflow are plain.
 */
export function checkRouteByResult(raw: unknown): Refusal | undefined {
	if (raw === undefined || typeof raw === 'boolean') return undefined;
	if (typeof raw === 'string' && ['true', 'false'].includes(raw.trim().toLowerCase())) {
		return undefined;
	}
	// n8n may hand the node the expression's text with or without its leading "=".
	const isExpression = typeof raw === 'string' && (raw.startsWith('=') || raw.includes('{{'));
	return {
		message: isExpression
			? 'Route by Result cannot be an expression'
			: `Route by Result must be on or off, got ${quoteValue(raw)}`,
		description:
			"n8n decides how many outputs the node has before any expression runs, so with an expression the outputs drawn and the results would not agree, and no-matches could leave by the output wired to approve. Set Route by Result to on or off (it is off in the node's parameters when it shows no toggle). No request was sent.",
	};
}
