/**
 * Reads the selfie from a binary property without ever holding more than the limit: a 150 MB
 * video mapped to Input Binary Field must be refused, not read whole and then measured. Where
 * n8n stores the size (the item's `bytes`, or the metadata of filesystem, database and S3
 * storage) the file is refused before any byte is read; otherwise stored data is read as a
 * stream that stops past the limit, and data held in the item is measured by its base64 length.
 * Where the stream or metadata helper is missing (n8nCompat.ts leaves it out), the plain
 * `getBinaryDataBuffer` is the fallback.
 */
import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';

import { localFailure, quoteValue } from '../common';
import { type BytesRead, formatKb, RESIZE_HINT } from './imageBytes';
import { readAtMost } from './imageDownload';

const STREAM_CHUNK_BYTES = 64 * 1024;

/** The helpers that read stored binary data by size and as a stream, where n8n has them. */
export type StoredBinaryReaders = Partial<
	Pick<IExecuteFunctions['helpers'], 'getBinaryMetadata' | 'getBinaryStream'>
>;

type BinaryReaders = Pick<IExecuteFunctions['helpers'], 'getBinaryDataBuffer'> &
	StoredBinaryReaders;

export async function readBinaryImage(
	helpers: BinaryReaders,
	binary: IBinaryData,
	itemIndex: number,
	propertyName: string,
	maxBytes: number,
): Promise<BytesRead> {
	const refuse = (reason: string): BytesRead => ({
		ok: false,
		failure: localFailure('image_too_large', reason, RESIZE_HINT),
	});
	const where = `The binary property ${quoteValue(propertyName)}`;
	const tooLarge = (size: number): BytesRead =>
		refuse(
			`${where} holds ${formatKb(size)} KB, above the ${formatKb(maxBytes)} KB limit, so it was not read`,
		);
	const stored = await storedSize(binary, helpers);
	if (stored !== undefined && stored > maxBytes) return tooLarge(stored);

	if (typeof binary.id === 'string' && helpers.getBinaryStream !== undefined) {
		const stream = await helpers.getBinaryStream(binary.id, STREAM_CHUNK_BYTES);
		const read = await readAtMost(stream, maxBytes);
		if (read.ok) return read;
		// The size is unknown here: only that it passed the limit, where reading stopped.
		if (read.tooLarge) {
			return refuse(
				`${where} holds more than the ${formatKb(maxBytes)} KB limit; reading stopped there`,
			);
		}
		throw read.error;
	}
	if (typeof binary.id !== 'string' && typeof binary.data === 'string') {
		// Held in the item as base64: 4 characters for every 3 bytes, known before decoding.
		const decodedAtLeast = Math.floor((binary.data.length * 3) / 4) - 2;
		if (decodedAtLeast > maxBytes) return tooLarge(decodedAtLeast);
	}
	return { ok: true, bytes: await helpers.getBinaryDataBuffer(itemIndex, propertyName) };
}

/** The size n8n recorded for the binary, in bytes, or undefined where it recorded none. */
async function storedSize(
	binary: IBinaryData,
	helpers: StoredBinaryReaders,
): Promise<number | undefined> {
	if (typeof binary.bytes === 'number' && Number.isFinite(binary.bytes)) return binary.bytes;
	if (typeof binary.id !== 'string' || helpers.getBinaryMetadata === undefined) {
		return undefined;
	}
	try {
		const { fileSize } = await helpers.getBinaryMetadata(binary.id);
		return typeof fileSize === 'number' && Number.isFinite(fileSize) ? fileSize : undefined;
	} catch {
		// No metadata (an older store, a file written by hand): read with the cap instead.
		return undefined;
	}
}
