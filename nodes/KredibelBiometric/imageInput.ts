/**
 * Gets the selfie's bytes for one item, from a binary property, a base64 field or a URL, and checks
 * them locally. Binary data is read through n8n's helpers so that it works in every binary data
 * mode (memory, filesystem, database, S3) and in queue mode.
 */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { quoteValue } from './echo';
import { checkImageBytes, decodeBase64Image } from './image';
import { downloadImage } from './imageDownload';
import { localFailure, type Failure } from './failure';
import type { ItemSettings } from './itemSettings';

export type ImageRead = { ok: true; bytes: Buffer } | { ok: false; failure: Failure };

export async function readImage(
	context: IExecuteFunctions,
	item: INodeExecutionData,
	itemIndex: number,
	settings: ItemSettings,
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
		const downloaded = await downloadImage(context, settings.imageUrl, {
			maxBytes: settings.maxImageBytes,
			timeoutMs: settings.timeoutMs,
		});
		if (!downloaded.ok) return downloaded;
		bytes = downloaded.bytes;
	} else {
		const missing = findMissingBinary(item, settings.binaryPropertyName);
		if (missing) return { ok: false, failure: missing };
		context.helpers.assertBinaryData(itemIndex, settings.binaryPropertyName);
		bytes = await context.helpers.getBinaryDataBuffer(itemIndex, settings.binaryPropertyName);
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
			'Set it to the name of the binary property that holds the selfie, usually "data".',
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
