/**
 * Gets the selfie's bytes for one item, from a binary property, a base64 field or a URL, and checks
 * them locally. Binary data is read through n8n's helpers so that it works in every binary data
 * mode (memory, filesystem, database, S3) and in queue mode.
 */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { readBinaryImage } from './binaryInput';
import { quoteValue } from './echo';
import { checkImageBytes, decodeBase64Image } from './image';
import { checkImageAddress, downloadImage } from './imageDownload';
import { localFailure, type Failure } from './failure';
import type { ItemSettings } from './itemSettings';
import { withRetries } from './retry';
import { isToolMode, TOOL_DOWNLOAD_FAILED_HINT, TOOL_DOWNLOAD_FAILED_REASON } from './toolMode';

/**
 * The download has a timeout of its own: the Timeout option is about Kredibel, which waits for the
 * civil registry, while an image host either serves a selfie within seconds or is not going to.
 */
export const IMAGE_DOWNLOAD_TIMEOUT_MS = 30_000;

export type ImageRead = { ok: true; bytes: Buffer } | { ok: false; failure: Failure };

/**
 * For Image URL, what can be known of the link without a connection (scheme, private address),
 * answered to a model as any other failure of its link. Undefined: nothing wrong so far.
 */
export function checkImageLink(
	context: IExecuteFunctions,
	settings: ItemSettings,
): Failure | undefined {
	const address = checkImageAddress(settings.imageUrl, settings.allowPrivateAddresses);
	if (address.ok) return undefined;
	return answersToolWithoutReason(context, settings) ? toolDownloadFailure() : address.failure;
}

function toolDownloadFailure(): Failure {
	return localFailure(
		'image_download_failed',
		TOOL_DOWNLOAD_FAILED_REASON,
		TOOL_DOWNLOAD_FAILED_HINT,
	);
}

export async function readImage(
	context: IExecuteFunctions,
	item: INodeExecutionData,
	itemIndex: number,
	settings: ItemSettings,
	isCancelled: () => boolean,
): Promise<ImageRead> {
	const read = await readAndCheck(context, item, itemIndex, settings, isCancelled);
	if (read.ok || !answersToolWithoutReason(context, settings)) return read;
	// The image came from a link the model chose: it learns that the image did not come, not why.
	return { ok: false, failure: toolDownloadFailure() };
}

/** As a tool, with a link given: every failure of that link reads the same to the model. */
function answersToolWithoutReason(context: IExecuteFunctions, settings: ItemSettings): boolean {
	if (settings.imageSource !== 'url') return false;
	const url = settings.imageUrl;
	// An empty field is the model's own mistake, and says nothing about any network.
	if (url === undefined || url === null || (typeof url === 'string' && url.trim() === '')) {
		return false;
	}
	return typeof context.getNode === 'function' && isToolMode(context.getNode());
}

async function readAndCheck(
	context: IExecuteFunctions,
	item: INodeExecutionData,
	itemIndex: number,
	settings: ItemSettings,
	isCancelled: () => boolean,
): Promise<ImageRead> {
	let bytes: Buffer;
	if (settings.imageSource === 'base64') {
		const decoded = decodeBase64Image(settings.base64Image, settings.maxImageBytes);
		if (!decoded.ok) {
			const { errorType, reason, hint } = decoded.problem;
			return { ok: false, failure: localFailure(errorType, reason, hint) };
		}
		bytes = decoded.bytes;
	} else if (settings.imageSource === 'url') {
		// A failed download costs nothing, so the free, passing ones (refused, 5XX, timeout) are
		// retried like Kredibel's own, within Max Retries.
		const { result } = await withRetries<Buffer>(
			async () => {
				const downloaded = await downloadImage(context, settings.imageUrl, {
					maxBytes: settings.maxImageBytes,
					timeoutMs: IMAGE_DOWNLOAD_TIMEOUT_MS,
					allowPrivateAddresses: settings.allowPrivateAddresses,
				});
				return downloaded.ok ? { ok: true, value: downloaded.bytes } : downloaded;
			},
			{ maxRetries: settings.maxRetries, isCancelled },
		);
		if (!result.ok) return result;
		bytes = result.value;
	} else {
		const missing = findMissingBinary(item, settings.binaryPropertyName);
		if (missing) return { ok: false, failure: missing };
		const binary = context.helpers.assertBinaryData(itemIndex, settings.binaryPropertyName);
		const read = await readBinaryImage(
			context,
			binary,
			itemIndex,
			settings.binaryPropertyName,
			settings.maxImageBytes,
		);
		if (!read.ok) return read;
		bytes = read.bytes;
	}
	const problem = checkImageBytes(bytes, settings.maxImageBytes);
	if (problem)
		return { ok: false, failure: localFailure(problem.errorType, problem.reason, problem.hint) };
	return { ok: true, bytes };
}

/** Says which binary properties the item does have, the usual cause being a renamed field. */
function findMissingBinary(item: INodeExecutionData, propertyName: string): Failure | undefined {
	if (propertyName === '') {
		return localFailure(
			'missing_image',
			'Input Binary Field is empty',
			'Set it to the name of the binary property that holds the selfie, usually "data". As an AI agent tool the node gets no binary data: set Image Source to URL or Base64.',
		);
	}
	if (item.binary?.[propertyName] !== undefined) return undefined;
	const available = Object.keys(item.binary ?? {});
	return localFailure(
		'missing_image',
		`The item has no binary property ${quoteValue(propertyName)}`,
		available.length > 0
			? `Binary properties on this item: ${available
					.slice(0, 10)
					.map((name) => quoteValue(name))
					.join(', ')}. Set Input Binary Field to the one holding the selfie.`
			: 'The item has no binary data at all. Check the step before this node (form upload, download), or switch Image Source to Base64.',
	);
}
