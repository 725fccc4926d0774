/**
 * n8n's deduplication store in mode "entries", as n8n 2.41.1 implements it
 * (DeduplicationHelper.handleHashedItems, read in n8n's source): one list per workflow and node
 * of md5 digests of the values, and no time; values seen before are "processed", the others are
 * appended as they are checked, and the oldest go once the list passes `maxEntries`;
 * `removeProcessed` forgets. One double plays one workflow's node: the unit tier hands the node
 * its helpers (`helpers`), the engine tier installs it in n8n-core's DataDeduplicationService
 * (`deduplicator`), where every process of a test shares it as they share n8n's database.
 */
import { createHash } from 'node:crypto';

import type { IDataDeduplicator, IDeduplicationOutput } from 'n8n-workflow';

type Value = string | number;

export class DeduplicationStoreDouble {
	/** The list, oldest first; a Set keeps insertion order and, as n8n's list, holds each digest once. */
	readonly digests = new Set<string>();
	calls = 0;
	/** How many values each call carried. */
	readonly valuesPerCall: number[] = [];
	failing = false;

	async checkProcessedAndRecord(
		items: Value[],
		_scope: string,
		options: { maxEntries?: number },
	): Promise<IDeduplicationOutput> {
		this.calls++;
		this.valuesPerCall.push(items.length);
		if (this.failing) throw new Error('database is locked');
		const processed = items.filter((item) => this.digests.has(md5(item)));
		const fresh = items.filter((item) => !this.digests.has(md5(item)));
		for (const item of fresh) this.digests.add(md5(item));
		for (const oldest of this.digests) {
			if (!options.maxEntries || this.digests.size <= options.maxEntries) break;
			this.digests.delete(oldest);
		}
		return { new: fresh, processed };
	}

	async removeProcessed(items: Value[]): Promise<void> {
		this.calls++;
		this.valuesPerCall.push(items.length);
		for (const item of items) this.digests.delete(md5(item));
	}

	get size(): number {
		return this.digests.size;
	}

	/** Whether the list holds this value (as its digest). */
	has(value: string): boolean {
		return this.digests.has(md5(value));
	}

	/** Puts a value in, as another process's write would. */
	add(value: string): void {
		this.digests.add(md5(value));
	}

	/** The store as n8n-core's DataDeduplicationService calls it (with the workflow and node). */
	deduplicator(): IDataDeduplicator {
		return {
			checkProcessedAndRecord: async (items, scope, _context, options) =>
				await this.checkProcessedAndRecord(items, scope, options),
			removeProcessed: async (items) => await this.removeProcessed(items),
			clearAllProcessedItems: async () => this.digests.clear(),
			getProcessedDataCount: async () => this.digests.size,
		};
	}
}

function md5(value: Value): string {
	return createHash('md5').update(String(value)).digest('base64');
}
