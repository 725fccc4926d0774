/**
 * The browser for the editor test and `npm run docs:screenshots`: Debian's Chromium, driven by
 * playwright-core. Playwright's own browser download does not work on machines limited to the
 * npm registry and Debian's mirrors, so Chromium comes from apt (installed here when missing and
 * running as root) or from `KREDIBEL_CHROMIUM=/path/to/chrome`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { chromium, type Browser } from 'playwright-core';

import { progress, runCommand, tailOfFile } from '../harness/processes';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/**
 * Without the background-networking flags Chromium keeps calling Google's services at start-up;
 * on a closed network those connections are refused and slow everything down.
 */
const CHROMIUM_ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];

const APT_TIMEOUT_MS = 10 * 60_000;

/** The Chromium executable, installed with apt-get first if it is missing. */
export async function ensureChromium(): Promise<string> {
	const configured = process.env.KREDIBEL_CHROMIUM;
	if (configured) {
		if (!fs.existsSync(configured)) {
			throw new Error(`KREDIBEL_CHROMIUM=${configured}: no such file`);
		}
		return configured;
	}
	if (fs.existsSync(DEFAULT_CHROMIUM)) return DEFAULT_CHROMIUM;

	const manual =
		`Chromium is not installed at ${DEFAULT_CHROMIUM}. Install it ` +
		'(Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y chromium) ' +
		'or point KREDIBEL_CHROMIUM at a Chrome or Chromium executable.';
	if (!fs.existsSync('/usr/bin/apt-get')) throw new Error(manual);
	if (process.getuid?.() !== 0) throw new Error(`${manual} (Not root: not installing it here.)`);

	const logFile = path.join(os.tmpdir(), `kredibel-chromium-install-${process.pid}.log`);
	progress(`Chromium is missing: apt-get update && apt-get install -y chromium (log: ${logFile})`);
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	// Waits for the dpkg lock instead of failing when another apt-get (a parallel run) holds it.
	const lock = ['-o', 'DPkg::Lock::Timeout=300'];
	for (const [label, args] of [
		['apt-get update', [...lock, 'update']],
		['apt-get install -y chromium', [...lock, 'install', '-y', 'chromium']],
	] as const) {
		const result = await runCommand('apt-get', args, {
			cwd: os.tmpdir(),
			env,
			logFile,
			timeoutMs: APT_TIMEOUT_MS,
			heartbeat: (seconds) => `${label}: ${seconds} s, ${lastLine(logFile)}`,
			heartbeatMs: 10_000,
		});
		if (result.exitCode !== 0 && !fs.existsSync(DEFAULT_CHROMIUM)) {
			throw new Error(
				`${label} failed (exit ${result.exitCode}${result.timedOut ? ', timed out' : ''}):\n${tailOfFile(logFile)}`,
			);
		}
		progress(`${label}: done in ${Math.round(result.durationMs / 1000)} s`);
	}
	if (!fs.existsSync(DEFAULT_CHROMIUM)) {
		throw new Error(`apt-get installed chromium but ${DEFAULT_CHROMIUM} is missing`);
	}
	fs.rmSync(logFile, { force: true });
	return DEFAULT_CHROMIUM;
}

/**
 * Headless Chromium; close it (`browser.close()`) in a finally block. `softwareWebGl` keeps
 * WebGL on (SwiftShader, on the CPU) for pages that need it, such as MediaPipe's solutions.
 */
export async function launchChromium(options: { softwareWebGl?: boolean } = {}): Promise<Browser> {
	const executablePath = await ensureChromium();
	const args = options.softwareWebGl
		? [
				...CHROMIUM_ARGS.filter((arg) => arg !== '--disable-gpu'),
				'--use-angle=swiftshader',
				'--enable-unsafe-swiftshader',
			]
		: CHROMIUM_ARGS;
	return chromium.launch({ executablePath, headless: true, args });
}

function lastLine(file: string): string {
	return tailOfFile(file, 1).slice(0, 120);
}
