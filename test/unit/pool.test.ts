import { mapInOrder } from '../../nodes/KredibelBiometric/pool';

/** A task whose completion the test controls, to observe what is in flight. */
function deferred() {
	let resolve!: () => void;
	const promise = new Promise<void>((r) => (resolve = r));
	return { promise, resolve };
}

describe('mapInOrder', () => {
	it('keeps input order although tasks finish out of order', async () => {
		const delays = [30, 5, 20, 1, 10];
		const results = await mapInOrder(
			delays.length,
			async (i) => {
				await new Promise((r) => setTimeout(r, delays[i]));
				return i * 10;
			},
			{ concurrency: 3, notStarted: () => -1 },
		);
		expect(results).toEqual(delays.map((_, i) => i * 10));
	});

	it('never has more than `concurrency` tasks in flight, and fills every slot', async () => {
		let inFlight = 0;
		let maxInFlight = 0;
		const gates = Array.from({ length: 10 }, deferred);
		const run = mapInOrder(
			10,
			async (i) => {
				inFlight++;
				maxInFlight = Math.max(maxInFlight, inFlight);
				await gates[i].promise;
				inFlight--;
				return i;
			},
			{ concurrency: 4, notStarted: () => -1 },
		);
		await new Promise((r) => setImmediate(r));
		expect(inFlight).toBe(4);
		gates.forEach((gate) => gate.resolve());
		await run;
		expect(maxInFlight).toBe(4);
	});

	it('starts no new task once told to stop, and reports which never started', async () => {
		let stop = false;
		const results = await mapInOrder(
			6,
			async (i) => {
				if (i === 1) stop = true;
				return i;
			},
			{ concurrency: 1, shouldStop: () => stop, notStarted: (i) => -i },
		);
		expect(results).toEqual([0, 1, -2, -3, -4, -5]);
	});

	it('handles zero items', async () => {
		expect(await mapInOrder(0, async () => 1, { concurrency: 4, notStarted: () => 0 })).toEqual([]);
	});
});
