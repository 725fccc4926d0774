/**
 * The node's request pool inside n8n: Concurrency bounds the requests in flight at the sandbox,
 * and stopping the execution (n8n's cancel) starts no new request.
 */
import { useSandbox, verifyWith } from './harness/fixtures';

const env = useSandbox();
const niks = (count: number) =>
	Array.from({ length: count }, (_, i) => `3171${String(i).padStart(12, '0')}`);

describe('concurrency', () => {
	it('16 items at concurrency 4 with 200 ms latency run 4 at a time', async () => {
		env.sandbox.setLatency(200);
		const run = await verifyWith(env.sandbox, { niks: niks(16), options: { concurrency: 4 } });
		expect(run.output('Success')).toHaveLength(16);
		expect(env.biometricRequests()).toHaveLength(16);
		expect(env.sandbox.stats().maxInFlight).toBe(4);
	});

	it('concurrency 1 sends one request at a time', async () => {
		env.sandbox.setLatency(50);
		await verifyWith(env.sandbox, { niks: niks(5), options: { concurrency: 1 } });
		expect(env.biometricRequests()).toHaveLength(5);
		expect(env.sandbox.stats().maxInFlight).toBe(1);
	});

	it('starts no new request once n8n stops the execution', async () => {
		env.sandbox.setLatency(150);
		const run = await verifyWith(env.sandbox, {
			niks: niks(12),
			options: { concurrency: 3 },
			onStarted: (cancel) => {
				// Stop as soon as the first requests are at the sandbox.
				const timer = setInterval(() => {
					if (env.sandbox.stats().inFlight === 3) {
						clearInterval(timer);
						cancel();
					}
				}, 5);
			},
		});
		expect(run.run.status).toBe('canceled');
		expect(env.biometricRequests()).toHaveLength(3);
	});
});
