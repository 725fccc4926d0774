/**
 * The shape every generator of hostile photos returns, so that one unit test and one bench
 * section (`npm run bench -- --only hostile`) can run them all against the same budget: at most
 * 2 s of CPU, 64 MB of extra memory and 50 ms between yields, whatever a file claims. The bytes
 * are made by the generators when asked for, never committed.
 */

/** What the node must do with the input: refuse it (free, before any request) or send a photo. */
export type HostileOutcome = 'refused' | 'sent' | 'either';

export interface HostileInput {
	/** Short and unique, e.g. "progressive, 1000 AC refinement scans (26 KB)". */
	name: string;
	/** The format the bytes claim to be. */
	format: 'jpeg' | 'png' | 'svg';
	/** What the shape attacks: scans, pixels, zlib, markers, metadata, ... */
	attack: string;
	outcome: HostileOutcome;
	/** The PhotoError kind or errorType expected when refused, where one is certain. */
	refusedAs?: string;
	/** Builds the bytes; deterministic (a fixed seed where random). */
	make: () => Uint8Array;
	/** Text planted in the file that must not be in anything sent (a NIK in metadata). */
	mustNotLeak?: string;
	/** Whether djpeg (or libpng through GraphicsMagick) can be run on it for comparison. */
	reference?: 'djpeg' | 'gm';
}
