/** Which Route by Result values the node runs with, and which it refuses before any request. */
import { checkRouteByResult } from '../../nodes/KredibelBiometric/routeByResult';

describe('checkRouteByResult', () => {
	it.each([[true], [false], [undefined], ['true'], [' FALSE ']])('runs with %j', (value) => {
		expect(checkRouteByResult(value)).toBeUndefined();
	});

	it.each([
		['={{ true }}', 'Route by Result cannot be an expression'],
		['{{ $vars.route }}', 'Route by Result cannot be an expression'],
		['yes', 'Route by Result must be on or off, got "yes"'],
		[1, 'Route by Result must be on or off, got 1'],
		[null, 'Route by Result must be on or off, got null'],
		[{ value: true }, 'Route by Result must be on or off, got a value of type object'],
		['x'.repeat(10_000), `Route by Result must be on or off, got "${'x'.repeat(40)}…"`],
	])('refuses %j', (value, message) => {
		expect(checkRouteByResult(value)?.message).toBe(message);
		expect(checkRouteByResult(value)?.description).toContain('No request was sent.');
	});
});
