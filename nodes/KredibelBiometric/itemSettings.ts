/**
 * Reads the node's parameters for one item. Parameters can be expressions that differ per
 * item, so they are read with that item's index, and checked: an expression can put any value
 * past the UI's min/max.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { numberOptionSpec, optionDefault, optionLabel } from './description';
import { type Failure, localFailure, quoteValue } from './common';
import { IMAGE_SOURCES, type ImageRequest, type ImageSource } from './image';
import type { NikValidationLevel } from './nik';

/**
 * One item's parameters. The image's part (source, field, link, Max Image Size, Prepare Photo,
 * Max Retries for downloads, Allow Private Addresses) is what the image room reads it with.
 */
export interface ItemSettings extends ImageRequest {
	/** The NIK parameter as the workflow gave it: any value, not yet checked. */
	nikParameter: unknown;
	similarityThreshold: number;
	nikValidation: NikValidationLevel;
	maskIdentityId: boolean;
	keepBinary: boolean;
	includeRawResponse: boolean;
	timeoutMs: number;
	reuseWindowHours: number;
}

type SettingsResult = { ok: true; settings: ItemSettings } | { ok: false; failure: Failure };

class InvalidParameter extends Error {}

/** A number option, within the range the UI enforces (an expression can put it outside). */
function numberOption(options: IDataObject, name: string): number {
	const raw = options[name];
	if (raw === undefined || raw === null || raw === '') return optionDefault(name) as number;
	const { label, min, max } = numberOptionSpec(name);
	const value = typeof raw === 'string' ? Number(raw.trim()) : raw;
	if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
		throw new InvalidParameter(
			`${label} must be a number from ${min} to ${max}, got ${quoteValue(raw)}`,
		);
	}
	return value;
}

/**
 * A boolean option. Expressions hand over text as often as booleans (`$vars`, `$env`, a sheet
 * cell), so "true" and "false" count as what they say; anything else is refused rather than
 * guessed, since a guessed "off" for Mask NIK would leak what the user asked to hide.
 */
function booleanOption(options: IDataObject, name: string): boolean {
	const raw = options[name];
	if (raw === undefined || raw === null || raw === '') return optionDefault(name) === true;
	const value = parseBoolean(raw);
	if (value === undefined) {
		throw new InvalidParameter(
			`${optionLabel(name)} must be true or false, got ${quoteValue(raw)}`,
		);
	}
	return value;
}

function parseBoolean(value: unknown): boolean | undefined {
	if (typeof value === 'boolean') return value;
	if (typeof value !== 'string' || value.length > 8) return undefined;
	const text = value.trim().toLowerCase();
	if (text === 'true') return true;
	if (text === 'false') return false;
	return undefined;
}

export function readItemSettings(context: IExecuteFunctions, itemIndex: number): SettingsResult {
	try {
		const options = context.getNodeParameter('options', itemIndex, {}) as IDataObject;
		const imageSource = context.getNodeParameter('imageSource', itemIndex, 'binary');
		if (!IMAGE_SOURCES.includes(imageSource as ImageSource)) {
			// An unknown value must not fall back to one of the known sources.
			throw new InvalidParameter(
				`Image Source must be "binary", "base64" or "url", got ${quoteValue(imageSource)}`,
			);
		}
		const nikValidation = (options.nikValidation ??
			optionDefault('nikValidation')) as NikValidationLevel;
		if (nikValidation !== 'format' && nikValidation !== 'strict') {
			throw new InvalidParameter(
				`NIK Validation must be "format" or "strict", got ${quoteValue(nikValidation)}`,
			);
		}
		return {
			ok: true,
			settings: {
				nikParameter: context.getNodeParameter('identityId', itemIndex, ''),
				imageSource: imageSource as ImageSource,
				binaryPropertyName:
					imageSource === 'binary'
						? String(context.getNodeParameter('binaryPropertyName', itemIndex, 'data')).trim()
						: '',
				base64Image:
					imageSource === 'base64' ? context.getNodeParameter('base64Image', itemIndex, '') : '',
				imageUrl: imageSource === 'url' ? context.getNodeParameter('imageUrl', itemIndex, '') : '',
				similarityThreshold: numberOption(options, 'similarityThreshold'),
				nikValidation,
				maxImageBytes: numberOption(options, 'maxImageSizeKb') * 1024,
				maskIdentityId: booleanOption(options, 'maskIdentityId'),
				keepBinary: booleanOption(options, 'keepBinary'),
				includeRawResponse: booleanOption(options, 'includeRawResponse'),
				preparePhoto: booleanOption(options, 'preparePhoto'),
				timeoutMs: numberOption(options, 'timeout'),
				maxRetries: Math.floor(numberOption(options, 'maxRetries')),
				reuseWindowHours: numberOption(options, 'reuseWindowHours'),
				allowPrivateAddresses: booleanOption(options, 'allowPrivateAddresses'),
			},
		};
	} catch (error) {
		const reason = error instanceof Error ? error.message : String(error);
		return {
			ok: false,
			failure: localFailure(
				'invalid_parameter',
				reason,
				'Fix the parameter or the expression that feeds it.',
			),
		};
	}
}

/**
 * Concurrency applies to the whole execution, so it is read once, from the first item. It
 * changes speed, never results, so an out-of-range value is clamped rather than failing items.
 */
export function readConcurrency(context: IExecuteFunctions): number {
	const options = context.getNodeParameter('options', 0, {}) as IDataObject;
	const fallback = optionDefault('concurrency') as number;
	const raw = options.concurrency ?? fallback;
	const value = typeof raw === 'number' || typeof raw === 'string' ? Number(raw) : NaN;
	if (!Number.isFinite(value)) return fallback;
	const { min, max } = numberOptionSpec('concurrency');
	return Math.min(max, Math.max(min, Math.floor(value)));
}

/**
 * Dedupe applies to the whole execution, so it is read once, from the first item. Only a clear
 * "off" turns it off: when in doubt the node sends one request per applicant, never two.
 */
export function readDedupe(context: IExecuteFunctions): boolean {
	const options = context.getNodeParameter('options', 0, {}) as IDataObject;
	return parseBoolean(options.dedupe) !== false;
}
