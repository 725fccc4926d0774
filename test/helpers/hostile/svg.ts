/**
 * Hostile SVG inputs: generators of the shapes an attacker would post (see hostileInput.ts).
 */
import type { HostileInput } from './hostileInput';

export function svgHostileInputs(): HostileInput[] {
	return [];
}
