/**
 * Downloads the selfie for Image Source: URL with n8n's plain HTTP helper (no credential).
 * First version; the streaming, size-capped download replaces it.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import { quoteValue } from './echo';
import { localFailure, type Failure } from './failure';

export type DownloadResult = { ok: true; bytes: Buffer } | { ok: false; failure: Failure };

export async function downloadImage(
	context: IExecuteFunctions,
	url: unknown,
	limits: { maxBytes: number; timeoutMs: number },
): Promise<DownloadResult> {
	if (typeof url !== 'string' || url.trim() === '') {
		return {
			ok: false,
			failure: localFailure(
				'missing_image',
				'The Image URL field is empty',
				'Map it to the address of the selfie.',
			),
		};
	}
	const address = url.trim();
	const lower = address.slice(0, 8).toLowerCase();
	if (!lower.startsWith('http://') && !lower.startsWith('https://')) {
		return {
			ok: false,
			failure: localFailure(
				'image_download_failed',
				`The Image URL ${quoteValue(address.split(':')[0])}: is not an http(s) address`,
				'Use an http:// or https:// address.',
			),
		};
	}
	try {
		const response = (await context.helpers.httpRequest({
			url: address,
			method: 'GET',
			encoding: 'arraybuffer',
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: limits.timeoutMs,
		})) as { statusCode: number; body: ArrayBuffer | Buffer };
		if (response.statusCode < 200 || response.statusCode >= 300) {
			return {
				ok: false,
				failure: localFailure(
					'image_download_failed',
					`The image host answered HTTP ${response.statusCode}`,
					'Check that the Image URL is right and still valid (signed links expire).',
				),
			};
		}
		return { ok: true, bytes: Buffer.from(response.body as ArrayBuffer) };
	} catch (error) {
		return {
			ok: false,
			failure: localFailure(
				'image_download_failed',
				`The image could not be downloaded (${quoteValue(error instanceof Error ? error.message : String(error), 80)})`,
				'Check that the Image URL is reachable from n8n.',
			),
		};
	}
}
