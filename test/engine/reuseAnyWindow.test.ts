/**
 * A record in n8n's deduplication store is found by any Reuse Window (issue 27, point 6), through
 * n8n-core: its DataDeduplicationService is given the store double (n8n's own algorithm: md5
 * digests, no time), and each "process" is the node with an empty answer memory, as a queue-mode
 * worker or an `n8n execute` run would be. The node's store calls go through n8n-core's helpers.
 */
import { DataDeduplicationService } from 'n8n-core';

import { DeduplicationStoreDouble } from '../helpers/deduplicationStore';
import { SANDBOX_NIKS } from '../sandbox/server';
import { allItems, forgetAnswers, useSandbox, verifyWith } from './harness/fixtures';

const env = useSandbox();
const store = new DeduplicationStoreDouble();

beforeAll(async () => {
	await DataDeduplicationService.init(store.deduplicator());
});
beforeEach(() => {
	store.digests.clear();
});

/** One applicant verified in a process of its own, with that Reuse Window. */
async function inNewProcess(reuseWindowHours: number) {
	forgetAnswers();
	const run = await verifyWith(env.sandbox, {
		niks: [SANDBOX_NIKS.match],
		options: { reuseWindowHours },
	});
	const [item] = allItems(run);
	return item.json;
}

describe("a record in n8n's store is found by any Reuse Window (issue 27, point 6)", () => {
	it.each([
		[24, 12],
		[12, 24],
		[1, 720],
		[720, 0.5],
	])(
		'a process with %s h pays; another with %s h a moment later finds its record: duplicate_request, free',
		async (first, second) => {
			expect(await inNewProcess(first)).toMatchObject({ result: 'match', charged: true });
			expect(await inNewProcess(second)).toMatchObject({
				errorType: 'duplicate_request',
				charged: false,
			});
			expect(env.biometricRequests()).toHaveLength(1);
		},
	);

	it('each item costs at most two store calls, and leaves 5 values', async () => {
		const callsBefore = store.calls;
		await inNewProcess(24);
		expect(store.calls - callsBefore).toBeLessThanOrEqual(2);
		expect(store.size).toBe(5);
	});

	it('Reuse Window 0 neither asks nor records', async () => {
		const callsBefore = store.calls;
		await inNewProcess(0);
		await inNewProcess(0);
		expect(store.calls).toBe(callsBefore);
		expect(env.biometricRequests()).toHaveLength(2);
	});
});
