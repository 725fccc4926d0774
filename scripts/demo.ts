/**
 * `npm run demo`: the example KYC workflow (examples/kyc-sandbox-demo.json) run by a real n8n
 * with this package installed as users install it, against the local sandbox, and a table of
 * what happened to each applicant, with what was refused locally for free and the credit Face
 * Check saved (the applicant who uploads a photo of a wall).
 *
 *   npm run demo                    n8n 2.41.1 (installed into ~/.cache on first use)
 *   npm run demo -- --n8n 1.123.81  the last 1.x
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { cutText } from '../nodes/KredibelBiometric/common';
import { outputsOf, type OutputItem } from '../test/e2e/harness/executionResult';
import { createN8nRun } from '../test/e2e/harness/n8nInstance';
import { packPackage } from '../test/e2e/harness/packPackage';
import { PINNED_N8N } from '../test/e2e/harness/versions';
import { SANDBOX_API_KEY, startSandbox } from '../test/sandbox/server';

const WORKFLOW = path.join(__dirname, '..', 'examples', 'kyc-sandbox-demo.json');
const NODE = 'Kredibel Biometric';
const OUTPUT_NAMES = ['No Verdict', 'Match', 'No Match', 'Invalid Identity', 'Error output'];
/**
 * The applicant who uploads a photo of a wall. Face Check refuses it before any request; should
 * the photo be sent anyway (Face Check off), the sandbox answers as Kredibel would: "no face
 * detected", charged.
 */
const NO_FACE_NIK = '3171015708450001';
/** Face Check's refusals: photos Kredibel would have charged for (`no_face_detected`). */
const FACE_CHECK_REFUSALS = new Set(['no_face_found', 'several_faces']);
/** The table shows the start of each error; the whole message is in n8n. */
const ERROR_COLUMN = 60;

interface Row {
	applicant: string;
	nik: string;
	result: string;
	similarity: string;
	output: string;
	error: string;
	charged: string;
}

function toRows(applicants: OutputItem[], outputs: OutputItem[][]): Row[] {
	const rows: Row[] = [];
	outputs.forEach((items, outputIndex) => {
		for (const item of items) {
			const index = (item.pairedItem as { item: number }).item;
			const input = applicants[index].json;
			const json = item.json;
			rows[index] = {
				applicant: String(input.name),
				nik: String(input.nik),
				result: String(json.result ?? json.errorType),
				similarity: typeof json.faceSimilarity === 'number' ? json.faceSimilarity.toFixed(2) : '-',
				output: OUTPUT_NAMES[outputIndex],
				error: json.error
					? cutText(String(json.error).replace(/^\[item \d+\] /, ''), ERROR_COLUMN)
					: '',
				charged: json.errorType === undefined ? 'yes' : json.charged ? 'yes' : 'no',
			};
		}
	});
	return rows;
}

function printTable(rows: Row[]): void {
	const headers: Row = {
		applicant: 'Applicant',
		nik: 'NIK',
		result: 'Result',
		similarity: 'Similarity',
		output: 'Output taken',
		error: 'Error',
		charged: 'Charged',
	};
	const keys = Object.keys(headers) as Array<keyof Row>;
	const width = (key: keyof Row) => Math.max(...[headers, ...rows].map((row) => row[key].length));
	const line = (row: Row) =>
		keys
			.map((key) => row[key].padEnd(width(key)))
			.join('  ')
			.trimEnd();
	console.log(`\n${line(headers)}\n${keys.map((key) => '-'.repeat(width(key))).join('  ')}`);
	for (const row of rows) console.log(line(row));
}

/**
 * The items refused before any request (no attempt, not charged), and those of them Face Check
 * refused: photos Kredibel would have charged for.
 */
function summariseLocalRefusals(outputs: OutputItem[][]): string {
	const local = outputs
		.flat()
		.filter((item) => item.json.errorType !== undefined && item.json.attempts === 0)
		.filter((item) => item.json.charged === false);
	const saved = local.filter((item) => FACE_CHECK_REFUSALS.has(String(item.json.errorType)));
	const credits = saved.length === 1 ? 'credit' : 'credits';
	return `Refused locally for free: ${local.length}, of which Face Check ${saved.length} (${saved.length} ${credits} saved).`;
}

async function main(): Promise<void> {
	const { values } = parseArgs({
		options: { n8n: { type: 'string', default: PINNED_N8N[0].version } },
	});
	const version = values.n8n as string;
	const sandbox = await startSandbox({ apiKey: SANDBOX_API_KEY });
	sandbox.addFault({
		match: { identityId: NO_FACE_NIK },
		fault: { kind: 'error', errorType: 'no_face_detected' },
	});
	console.log(`Local Kredibel sandbox on ${sandbox.url}`);
	const run = await createN8nRun({ version, tarball: await packPackage() });
	try {
		await run.importCredentials([
			{
				id: 'kredibelSandbox',
				name: 'Kredibel sandbox (local)',
				type: 'kredibelApi',
				data: { apiKey: SANDBOX_API_KEY, environment: 'custom', baseUrl: sandbox.url },
			},
		]);
		const workflowId = await run.importWorkflow(JSON.parse(fs.readFileSync(WORKFLOW, 'utf8')));
		console.log(`Running "${path.relative(process.cwd(), WORKFLOW)}" in n8n ${version}...`);
		const result = await run.execute(workflowId);
		if (result.status !== 'success') {
			throw new Error(
				`the workflow failed: ${JSON.stringify(result.error)}\n${result.log.slice(-2000)}`,
			);
		}
		const outputs = outputsOf(result, NODE);
		const rows = toRows(outputsOf(result, 'Sample applicants')[0], outputs);
		printTable(rows);
		const requests = sandbox.requests().filter((entry) => entry.path.startsWith('/v1/identity'));
		console.log(
			`\n${rows.length} applicants, ${requests.length} requests to Kredibel, ${requests.filter((entry) => entry.charged).length} charged; ` +
				`credit left in the sandbox: ${sandbox.credit()}.`,
		);
		console.log(summariseLocalRefusals(outputs));
	} finally {
		await run.dispose();
		await sandbox.close();
	}
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exitCode = 1;
});
