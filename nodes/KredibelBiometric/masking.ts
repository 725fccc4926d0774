/**
 * Mask NIK must reach every copy of the number: Kredibel echoes it in its messages, validation
 * errors and raw answer, and the node's own messages quote it. Masking the `identityId` field
 * alone would leave the full NIK in all of those.
 */
import type { IDataObject } from 'n8n-workflow';

import { maskNik } from './nik';

const MAX_DEPTH = 64;
const TOO_DEEP = '[nested too deep to show]';

/** Replaces every occurrence of `nik` in a text. */
function redactText(text: string, nik: string, masked: string): string {
	return text.includes(nik) ? text.split(nik).join(masked) : text;
}

/**
 * A copy of a JSON value with every occurrence of `nik` masked, in values and in keys. Only
 * what JSON can hold is walked; anything else is returned as it is.
 */
export function redactNik<T>(value: T, nik: string): T {
	if (nik === '') return value;
	const masked = maskNik(nik);
	const walk = (current: unknown, depth: number): unknown => {
		if (typeof current === 'string') return redactText(current, nik, masked);
		if (typeof current !== 'object' || current === null) return current;
		// A hostile answer can nest deeper than the stack: what lies that deep is dropped.
		if (depth > MAX_DEPTH) return TOO_DEEP;
		if (Array.isArray(current)) return current.map((inner) => walk(inner, depth + 1));
		const copy: IDataObject = {};
		for (const [key, inner] of Object.entries(current)) {
			// defineProperty: a key such as "__proto__" stays a plain field of the copy.
			Object.defineProperty(copy, redactText(key, nik, masked), {
				value: walk(inner, depth + 1),
				enumerable: true,
				writable: true,
				configurable: true,
			});
		}
		return copy;
	};
	return walk(value, 0) as T;
}
