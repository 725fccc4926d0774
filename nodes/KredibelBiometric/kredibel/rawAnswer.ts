/**
 * Kredibel's answer as Include Raw Response shows it, kept within limits. Whatever a 2XX body
 * holds was paid for, and the node must still remember, mask, copy and output it: a field nested
 * 6,000 deep overflows the stack of every recursive walk (JSON.stringify, structuredClone, n8n's
 * own copies of items), and a body of megabytes would sit in memory beside the verdict. So the
 * raw answer is a copy at most MAX_RAW_DEPTH deep and about MAX_RAW_CHARS of JSON text long;
 * where it was cut, a marker says so in its place. The copy walks only what it keeps.
 */
import type { IDataObject } from 'n8n-workflow';

export const MAX_RAW_DEPTH = 32;
export const MAX_RAW_CHARS = 64 * 1024;
export const CUT_DEEPER = `[cut by the node: nested deeper than ${MAX_RAW_DEPTH} levels]`;
export const CUT_LONGER = `[cut by the node: the answer is longer than ${MAX_RAW_CHARS / 1024} KB]`;
/** The key under which an object that was cut short says so. */
export const CUT_KEY = '[cut]';

/** A copy of a parsed answer within MAX_RAW_DEPTH and about MAX_RAW_CHARS, cut places marked. */
export function boundedRaw(body: IDataObject): IDataObject {
	let budget = MAX_RAW_CHARS;

	const copy = (value: unknown, depth: number): unknown => {
		if (typeof value === 'string') {
			if (value.length + 2 <= budget) {
				budget -= value.length + 2;
				return value;
			}
			const kept = Math.max(0, budget - 2);
			budget = 0;
			return `${value.slice(0, kept)}… ${CUT_LONGER}`;
		}
		if (typeof value !== 'object' || value === null) {
			budget -= String(value).length;
			return value;
		}
		if (depth >= MAX_RAW_DEPTH) return CUT_DEEPER;
		budget -= 2;
		if (Array.isArray(value)) {
			const list: unknown[] = [];
			for (const inner of value) {
				if (budget <= 0) {
					list.push(CUT_LONGER);
					break;
				}
				budget -= 1;
				list.push(copy(inner, depth + 1));
			}
			return list;
		}
		const object: IDataObject = {};
		for (const key in value) {
			if (!Object.hasOwn(value, key)) continue;
			if (budget <= 0) {
				define(object, CUT_KEY, CUT_LONGER);
				break;
			}
			budget -= key.length + 4;
			define(object, key, copy((value as IDataObject)[key], depth + 1));
		}
		return object;
	};

	return copy(body, 0) as IDataObject;
}

/** A plain field, also for keys such as "__proto__". */
function define(object: IDataObject, key: string, value: unknown): void {
	Object.defineProperty(object, key, {
		value,
		enumerable: true,
		writable: true,
		configurable: true,
	});
}
