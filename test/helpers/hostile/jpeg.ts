/**
 * Hostile JPEG inputs: generators of the shapes an attacker would post (see hostileInput.ts).
 */
import type { HostileInput } from './hostileInput';

export function jpegHostileInputs(): HostileInput[] {
	return [];
}
