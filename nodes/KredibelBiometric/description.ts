/**
 * The node's parameters. Names are a public contract: saved workflows refer to them.
 */
import type { INodeProperties } from 'n8n-workflow';

import { toolDescriptionProperty } from './toolMode';

export const LIMITS = {
	maxRetries: 10,
	concurrency: 20,
	/** Kredibel's own limit is 1 MB; a higher local limit only makes sense for custom hosts. */
	maxImageSizeKb: 10_240,
	timeoutMs: 300_000,
	/** 30 days: longer than any webhook or execution retry, short of keeping answers for good. */
	reuseWindowHours: 720,
} as const;

export const nodeProperties: INodeProperties[] = [
	// First, where n8n would put a tool description of its own in tool mode.
	toolDescriptionProperty,
	{
		displayName: 'NIK',
		name: 'identityId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. 3171011708450001',
		description:
			'The 16-digit NIK (Nomor Induk Kependudukan) from the KTP card. Spaces, dots and dashes are removed. Pass it as text: numbers above 9007199254740991 have already lost digits.',
	},
	{
		displayName: 'Image Source',
		name: 'imageSource',
		type: 'options',
		default: 'binary',
		options: [
			{
				name: 'Binary',
				value: 'binary',
				description: 'The selfie is a binary file on the incoming item (upload, download, form)',
			},
			{
				name: 'Base64',
				value: 'base64',
				description: 'The selfie is base64 text or a data: URL in a field',
			},
			{
				name: 'URL',
				value: 'url',
				description:
					'The node downloads the selfie from an http(s) address (a storage link, a form tool file URL)',
			},
		],
		description: 'Where the selfie comes from',
	},
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		// An AI agent's tool call carries JSON arguments only, never binary data.
		displayOptions: { show: { imageSource: ['binary'] }, hide: { '@tool': [true] } },
		hint: 'The name of the input binary field containing the selfie',
		description: 'The name of the binary property of the incoming item that holds the selfie',
	},
	{
		displayName: 'Base64 Image',
		name: 'base64Image',
		type: 'string',
		default: '',
		required: true,
		typeOptions: { rows: 2 },
		displayOptions: { show: { imageSource: ['base64'] } },
		placeholder: 'e.g. {{ $json.selfie }}',
		description:
			'The selfie as plain base64 or a data:image/...;base64, URL. Whitespace and line breaks are allowed.',
	},
	{
		displayName: 'Image URL',
		name: 'imageUrl',
		type: 'string',
		default: '',
		required: true,
		displayOptions: { show: { imageSource: ['url'] } },
		placeholder: 'e.g. https://storage.example.com/selfies/123.jpg',
		description:
			'The http(s) address to download the selfie from. No Kredibel credential is ever sent there. Downloads larger than Max Image Size are stopped.',
	},
	{
		displayName: 'Route by Result',
		name: 'routeByResult',
		type: 'boolean',
		default: false,
		// It decides how many outputs the node has, which n8n reads before any item exists.
		noDataExpression: true,
		// A tool hands back one output only: results that left by another would never be seen.
		displayOptions: { hide: { '@tool': [true] } },
		description:
			'Whether to send items to four outputs (No Verdict, Match, No Match, Invalid Identity) instead of one. Failed items and anything n8n passes on by itself (a deactivated node, Always Output Data) leave by No Verdict, never by Match.',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Allow Private Addresses',
				name: 'allowPrivateAddresses',
				type: 'boolean',
				default: false,
				description:
					'Whether an Image URL may point to loopback, private, link-local or other non-public addresses, or to intranet names such as vm, nas.local or metadata.google.internal (self-hosted storage on your own network). Off by default: whoever chooses the link (an AI agent, an MCP client, a public webhook) must not reach your internal network through it.',
			},
			{
				displayName: 'Concurrency',
				name: 'concurrency',
				type: 'number',
				default: 4,
				typeOptions: { minValue: 1, maxValue: LIMITS.concurrency },
				displayOptions: { hide: { '@tool': [true] } },
				description:
					'How many requests to Kredibel may be in flight at once. Outputs keep the input order.',
			},
			{
				displayName: 'Dedupe Applicants',
				name: 'dedupe',
				type: 'boolean',
				default: true,
				description:
					'Whether items with the same NIK and the same image are sent to Kredibel once, each getting the answer (in this execution, and in others within Reuse Window). Off: one charged request per item.',
			},
			{
				displayName: 'Include Raw Response',
				name: 'includeRawResponse',
				type: 'boolean',
				default: false,
				description: "Whether to add Kredibel's untouched JSON answer under `raw`",
			},
			{
				displayName: 'Keep Binary',
				name: 'keepBinary',
				type: 'boolean',
				default: false,
				displayOptions: { hide: { '@tool': [true] } },
				description:
					'Whether to pass the input binary data (the selfie) on to the output. Off by default: face images are personal data and should not be copied into later steps.',
			},
			{
				displayName: 'Mask NIK',
				name: 'maskIdentityId',
				type: 'boolean',
				default: false,
				description:
					'Whether to write the NIK as 317101******0001 in every output item, success or error. Wherever 6 or more digits of the NIK appear in a message, link or raw answer, in any spelling, its birth-date digits are masked too.',
			},
			{
				displayName: 'Max Image Size (KB)',
				name: 'maxImageSizeKb',
				type: 'number',
				default: 1024,
				typeOptions: { minValue: 1, maxValue: LIMITS.maxImageSizeKb },
				description:
					'Larger images are rejected before any request is made. Kredibel accepts up to 1 MB.',
			},
			{
				displayName: 'Max Retries',
				name: 'maxRetries',
				type: 'number',
				default: 2,
				typeOptions: { minValue: 0, maxValue: LIMITS.maxRetries },
				description:
					'How often to retry failures Kredibel does not charge for (registry unreachable, server errors, rate limits, connection refused). Timeouts and "no face detected" are never retried: they may be charged.',
			},
			{
				displayName: 'NIK Validation',
				name: 'nikValidation',
				type: 'options',
				default: 'format',
				options: [
					{
						name: 'Format Only',
						value: 'format',
						description: 'The NIK must have 16 digits',
					},
					{
						name: 'Strict',
						value: 'strict',
						description:
							"Also check the province code, birth date (day + 40 for women) and serial. Kredibel's sandbox test NIKs fail this on purpose.",
					},
				],
				description: 'How much of the NIK to check locally before calling Kredibel',
			},
			{
				displayName: 'Prepare Photo',
				name: 'preparePhoto',
				type: 'boolean',
				default: true,
				description:
					'Whether to make a JPEG or PNG photo what Kredibel needs before sending: turned upright by its EXIF orientation, without metadata (GPS position, device, time), and shrunk to fit Max Image Size. Photos up to 25 MB and 50 megapixels are accepted. Off: the image is sent as it is and refused when above Max Image Size.',
			},
			{
				displayName: 'Reuse Window (Hours)',
				name: 'reuseWindowHours',
				type: 'number',
				default: 24,
				typeOptions: { minValue: 0, maxValue: LIMITS.reuseWindowHours },
				description:
					'For how long an answer that may have cost money is reused for the same applicant (same Kredibel account, NIK and photo) by later executions: a webhook delivered twice, a retried execution. 0: only within one execution. Set 0 to send an applicant again on purpose.',
			},
			{
				displayName: 'Similarity Threshold',
				name: 'similarityThreshold',
				type: 'number',
				default: 0.75,
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
				description:
					"The face similarity at or above which the result is match. Kredibel's own default is 0.75.",
			},
			{
				displayName: 'Timeout',
				name: 'timeout',
				type: 'number',
				default: 30000,
				typeOptions: { minValue: 1, maxValue: LIMITS.timeoutMs },
				description: 'How long to wait for each request to Kredibel, in milliseconds',
			},
		],
	},
];

/** The options by name, read once, so the UI's defaults, ranges and labels are the code's too. */
const OPTIONS = new Map(
	(
		(nodeProperties.find((property) => property.name === 'options')?.options ??
			[]) as INodeProperties[]
	).map((option) => [option.name, option]),
);

/** An option's default, as the UI shows it. */
export function optionDefault(name: string): unknown {
	return OPTIONS.get(name)?.default;
}

/** An option's label, as the UI shows it. */
export function optionLabel(name: string): string {
	return OPTIONS.get(name)?.displayName ?? name;
}

/** A number option's label and allowed range, as the UI shows and enforces them. */
export function numberOptionSpec(name: string): { label: string; min: number; max: number } {
	const option = OPTIONS.get(name);
	return {
		label: optionLabel(name),
		min: option?.typeOptions?.minValue ?? -Infinity,
		max: option?.typeOptions?.maxValue ?? Infinity,
	};
}
