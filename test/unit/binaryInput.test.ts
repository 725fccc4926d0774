/**
 * A binary input larger than the limit is refused from the size n8n stored, before its bytes are
 * read; where no size is stored it is read as a stream that stops past the limit; data held in
 * the item is measured by its base64 length before decoding.
 */
import { Readable } from 'node:stream';

import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';

import { readBinaryImage } from '../../nodes/KredibelBiometric/image/binaryInput';
import { makeJpeg } from '../fixtures/images';

const LIMIT = 1024 * 1024;
const HUGE = 150 * 1024 * 1024;

interface Probe {
	context: IExecuteFunctions;
	bufferReads: number;
	streamedBytes: () => number;
}

/** A context with n8n's binary helpers; `metadataSize` undefined: the store has no metadata. */
function probe(options: { metadataSize?: number; streamBytes?: number; stream?: boolean }): Probe {
	let bufferReads = 0;
	let streamed = 0;
	const helpers: Record<string, unknown> = {
		getBinaryDataBuffer: async () => {
			bufferReads++;
			return makeJpeg();
		},
	};
	if (options.metadataSize !== undefined) {
		helpers.getBinaryMetadata = async () => ({ fileSize: options.metadataSize });
	}
	if (options.stream !== false) {
		helpers.getBinaryStream = async () => {
			const total = options.streamBytes ?? 0;
			// Endless-ish: chunks made on demand, counted as the reader pulls them.
			return Readable.from(
				(function* () {
					for (let sent = 0; sent < total; sent += 64 * 1024) {
						streamed += 64 * 1024;
						yield Buffer.alloc(64 * 1024, 1);
					}
				})(),
			);
		};
	}
	return {
		context: { helpers } as unknown as IExecuteFunctions,
		get bufferReads() {
			return bufferReads;
		},
		streamedBytes: () => streamed,
	};
}

const stored = (extra: Partial<IBinaryData> = {}): IBinaryData => ({
	data: 'filesystem-v2',
	mimeType: 'image/jpeg',
	id: 'filesystem-v2:workflows/1/executions/1/binary_data/abc',
	...extra,
});

describe('readBinaryImage', () => {
	it('refuses from the item’s stored byte count without reading anything', async () => {
		const p = probe({ streamBytes: HUGE });
		const read = await readBinaryImage(
			p.context.helpers,
			stored({ bytes: HUGE }),
			0,
			'data',
			LIMIT,
		);
		expect(read.ok).toBe(false);
		expect(!read.ok && read.failure).toMatchObject({
			errorType: 'image_too_large',
			charged: false,
		});
		expect(!read.ok && read.failure.reason).toMatch(/"data" holds 153600 KB.*not read/);
		expect(p.bufferReads).toBe(0);
		expect(p.streamedBytes()).toBe(0);
	});

	it('refuses from the stored metadata (filesystem, database, S3) without reading anything', async () => {
		const p = probe({ metadataSize: HUGE, streamBytes: HUGE });
		const read = await readBinaryImage(p.context.helpers, stored(), 0, 'data', LIMIT);
		expect(!read.ok && read.failure.errorType).toBe('image_too_large');
		expect(p.bufferReads).toBe(0);
		expect(p.streamedBytes()).toBe(0);
	});

	it('without a stored size, reads the stream only a little past the limit', async () => {
		const p = probe({ streamBytes: HUGE });
		const read = await readBinaryImage(p.context.helpers, stored(), 0, 'data', LIMIT);
		expect(!read.ok && read.failure.errorType).toBe('image_too_large');
		// The size was never known: the message does not make one up.
		expect(!read.ok && read.failure.reason).toMatch(
			/holds more than the .* limit; reading stopped/,
		);
		expect(p.bufferReads).toBe(0);
		expect(p.streamedBytes()).toBeLessThanOrEqual(LIMIT + 64 * 1024);
	});

	it('reads a stored image within the limit through the stream', async () => {
		const p = probe({ metadataSize: 128 * 1024, streamBytes: 128 * 1024 });
		const read = await readBinaryImage(p.context.helpers, stored(), 0, 'data', LIMIT);
		expect(read.ok && read.bytes.length).toBe(128 * 1024);
	});

	it('measures data held in the item by its base64 length, before decoding', async () => {
		const p = probe({ stream: false });
		const inMemory: IBinaryData = {
			data: 'A'.repeat(Math.ceil(((LIMIT + 10) * 4) / 3)),
			mimeType: 'image/jpeg',
		};
		const read = await readBinaryImage(p.context.helpers, inMemory, 0, 'data', LIMIT);
		expect(!read.ok && read.failure.errorType).toBe('image_too_large');
		expect(p.bufferReads).toBe(0);
	});

	it('falls back to getBinaryDataBuffer where n8n has no stream helper (n8n 1.x)', async () => {
		const p = probe({ stream: false });
		const read = await readBinaryImage(p.context.helpers, stored(), 0, 'data', LIMIT);
		expect(read.ok && read.bytes.equals(makeJpeg())).toBe(true);
		expect(p.bufferReads).toBe(1);
	});
});
