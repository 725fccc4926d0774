/**
 * What the sandbox received, named by applicant: "NIK:image", where the image is named only if
 * its bytes are exactly a fixture's. Requests run concurrently, so counts and sorted lists are
 * compared, never the arrival order.
 */
import { makeJpeg, makePng } from '../../fixtures/images';
import type { RequestLogEntry } from '../../sandbox/server';

const JPEG = makeJpeg();
const PNG = makePng();

function applicantOf(entry: RequestLogEntry): string {
	const image = entry.faceImage?.equals(JPEG)
		? 'jpeg'
		: entry.faceImage?.equals(PNG)
			? 'png'
			: 'other';
	return `${entry.identityId}:${image}`;
}

/** The applicants the sandbox received, sorted. */
export function received(requests: RequestLogEntry[]): string[] {
	return requests.map(applicantOf).sort();
}

/** How many requests each applicant cost. */
export function perApplicant(requests: RequestLogEntry[]): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const key of received(requests)) counts[key] = (counts[key] ?? 0) + 1;
	return counts;
}
