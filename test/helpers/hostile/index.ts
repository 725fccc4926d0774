/**
 * Every hostile photo the unit tier and the bench's hostile section try, from the generators
 * by format.
 */
import type { HostileInput } from './hostileInput';
import { iccHostileInputs } from './icc';
import { jpegHostileInputs } from './jpeg';
import { pngHostileInputs } from './png';
import { svgHostileInputs } from './svg';

export type { HostileInput, HostileOutcome } from './hostileInput';

export function allHostileInputs(): HostileInput[] {
	return [
		...jpegHostileInputs(),
		...pngHostileInputs(),
		...svgHostileInputs(),
		...iccHostileInputs(),
	];
}
