/**
 * Runs the sandbox on its own, for the demo and for building workflows offline:
 *
 *   npm run sandbox -- [--port 8787] [--latency 0] [--key sandbox-test-key] [--quiet]
 *
 * Defaults come from KREDIBEL_SANDBOX_PORT and KREDIBEL_SANDBOX_KEY. Prints one line per API
 * request (never the Authorization header) unless --quiet.
 */
import { parseArgs } from 'node:util';

import { CONTROL_PREFIX } from './control';
import {
	BIOMETRIC_PATH,
	CREDIT_PATH,
	SANDBOX_API_KEY,
	SANDBOX_NIKS,
	startSandbox,
	type RequestLogEntry,
} from './server';

const DEFAULT_PORT = 8787;

const USAGE = `Usage: npm run sandbox -- [--port ${DEFAULT_PORT}] [--latency 0] [--key KEY] [--quiet]
  --port     port on 127.0.0.1 (env KREDIBEL_SANDBOX_PORT, default ${DEFAULT_PORT}; 0 = any free port)
  --latency  milliseconds added to every API request (default 0)
  --key      the API key to accept (env KREDIBEL_SANDBOX_KEY, default ${SANDBOX_API_KEY})
  --quiet    do not print a line per request`;

async function main(): Promise<void> {
	const { values } = parseArgs({
		options: {
			port: { type: 'string' },
			latency: { type: 'string' },
			key: { type: 'string' },
			quiet: { type: 'boolean', default: false },
			help: { type: 'boolean', short: 'h', default: false },
		},
	});
	if (values.help) {
		console.log(USAGE);
		return;
	}

	const port = parseNonNegativeInteger(
		'--port',
		values.port ?? process.env.KREDIBEL_SANDBOX_PORT ?? String(DEFAULT_PORT),
	);
	const latencyMs = parseNonNegativeInteger('--latency', values.latency ?? '0');
	const apiKey = values.key ?? process.env.KREDIBEL_SANDBOX_KEY ?? SANDBOX_API_KEY;

	const sandbox = await startSandbox({
		port,
		apiKey,
		latencyMs,
		onRequest: values.quiet ? undefined : printRequest,
	});

	const control = `${sandbox.url}${CONTROL_PREFIX}`;
	console.log(`Kredibel sandbox listening on ${sandbox.url}
  Credential: Environment "Custom", Base URL ${sandbox.url}, API Key ${apiKey}
  Endpoints:  POST ${BIOMETRIC_PATH}   GET ${CREDIT_PATH}
  Test NIKs:  ${SANDBOX_NIKS.match} match (similarity 1.0)
              ${SANDBOX_NIKS.noMatch} no match (similarity 0.24)
              any other 16 characters: identity not valid
  Control (no key needed):
    GET    ${control}/requests   request log (images as size + sha256)
    GET    ${control}/stats      counters, credit, maxInFlight
    GET    ${control}/charges    charged requests per NIK, and NIKs charged more than once
    GET    ${control}/faults     active fault rules and chaos
    POST   ${control}/faults     add a rule, e.g. {"times":1,"fault":{"kind":"status","status":503}}
           fault kinds: error status rateLimit delay reset malformed wrongShape redirect answer
           echoNik score hugeBody cutAfterRequest (see test/sandbox/faults.ts), for instance
           {"match":{"identityId":"${SANDBOX_NIKS.match}"},"fault":{"kind":"score","faceSimilarity":"0.10"}}
           {"fault":{"kind":"redirect","status":307,"location":"http://127.0.0.1:9/elsewhere"}}
    DELETE ${control}/faults     remove all rules and chaos
    POST   ${control}/chaos      {"seed":1,"rate":0.1,"kinds":[{"kind":"reset"}]}
    DELETE ${control}/chaos      chaos off
    POST   ${control}/latency    {"ms":250}
    POST   ${control}/reset      clear log, counters and faults
  Try: curl -H 'Authorization: Bearer ${apiKey}' ${sandbox.url}${CREDIT_PATH}
Ctrl+C to stop.`);

	let stopping = false;
	const stop = (signal: NodeJS.Signals): void => {
		if (stopping) return;
		stopping = true;
		console.log(`\n${signal} received, stopping the sandbox.`);
		sandbox.close().then(
			() => process.exit(0),
			(error: unknown) => {
				console.error('Could not close the sandbox cleanly:', error);
				process.exit(1);
			},
		);
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

function printRequest(entry: RequestLogEntry): void {
	const ms = entry.endedAt === null ? '?' : Math.round(entry.endedAt - entry.startedAt);
	const parts = [
		`#${entry.seq}`,
		entry.method,
		entry.path,
		entry.status === null ? 'no answer' : String(entry.status),
		entry.identityId ? `NIK ${entry.identityId}` : '',
		entry.faceImage ? `image ${entry.faceImage.length} B` : '',
		entry.fault ? `fault ${entry.fault}` : '',
		entry.charged ? 'charged' : '',
		`${ms} ms`,
	];
	console.log(parts.filter(Boolean).join('  '));
}

function parseNonNegativeInteger(name: string, text: string): number {
	const value = Number(text);
	if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) {
		console.error(`${name} must be a whole number, got "${text}".\n\n${USAGE}`);
		process.exit(2);
	}
	return value;
}

main().catch((error: unknown) => {
	console.error('Kredibel sandbox failed to start:', error);
	process.exit(1);
});
