/**
 * Values that came from outside (a parameter, an input item, Kredibel's answer) and are quoted in
 * a message. Messages stay short and safe whatever the value: a 50 MB string, an object holding
 * the selfie, or a circular structure are described, never copied in full.
 */

/** Longest echoed text, in characters, before it is cut with an ellipsis. */
const MAX_ECHO_LENGTH = 40;

/** Cuts text to `max` characters, marking the cut. Work is bounded by `max`, not by the input. */
export function cutText(text: string, max = MAX_ECHO_LENGTH): string {
	return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** A value as it may appear inside a message: quoted text, a number, or what kind of thing it is. */
export function quoteValue(value: unknown, max = MAX_ECHO_LENGTH): string {
	if (typeof value === 'string') return JSON.stringify(cutText(value, max));
	if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
		return cutText(String(value), max);
	}
	if (value === null) return 'null';
	if (value === undefined) return 'nothing';
	if (Array.isArray(value)) return `a list of ${value.length} values`;
	return `a value of type ${typeof value}`;
}
