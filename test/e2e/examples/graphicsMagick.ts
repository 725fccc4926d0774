/**
 * n8n's Edit Image node runs the `gm` command (GraphicsMagick) through the `gm` npm package;
 * without it every Edit Image step fails with "Could not find GraphicsMagick" (spawn gm ENOENT).
 * n8n's Docker images ship it; a machine running n8n from npm has to install it.
 *
 * `ensureGraphicsMagick()` installs Debian's package when `gm` is missing and this process runs
 * as root (CI containers, the dev machine); otherwise it says what to install.
 */
import { spawnSync } from 'node:child_process';

import { progress, runCommand } from '../harness/processes';

const APT_TIMEOUT_MS = 10 * 60_000;

/** `gm version`'s first line, or undefined when `gm` is not on the PATH. */
export function graphicsMagickVersion(): string | undefined {
	const result = spawnSync('gm', ['version'], { encoding: 'utf8' });
	if (result.error || result.status !== 0) return undefined;
	return result.stdout.split('\n')[0]?.trim();
}

let ensured: Promise<string> | undefined;

/** Resolves with `gm version`'s first line once GraphicsMagick is usable (installs it once). */
export function ensureGraphicsMagick(): Promise<string> {
	ensured ??= install();
	return ensured;
}

async function install(): Promise<string> {
	const present = graphicsMagickVersion();
	if (present) return present;
	if (process.platform !== 'linux' || process.getuid?.() !== 0 || !hasAptGet()) {
		throw new Error(
			"GraphicsMagick (`gm`) is missing; n8n's Edit Image node needs it. Install it " +
				'(Debian/Ubuntu: `sudo apt-get install -y graphicsmagick`, macOS: `brew install graphicsmagick`) ' +
				'and run the tests again.',
		);
	}
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	// Wait for another apt/dpkg run (an engineer, another test) instead of failing on its lock.
	const lock = ['-o', 'DPkg::Lock::Timeout=300'];
	const steps: Array<{ label: string; args: string[] }> = [
		{ label: 'apt-get update', args: [...lock, 'update'] },
		{
			label: 'apt-get install graphicsmagick',
			args: [...lock, 'install', '-y', '--no-install-recommends', 'graphicsmagick'],
		},
	];
	for (const step of steps) {
		progress(`GraphicsMagick is missing (needed by Edit Image): ${step.label}...`);
		const result = await runCommand('apt-get', step.args, {
			cwd: '/',
			env,
			timeoutMs: APT_TIMEOUT_MS,
			heartbeat: (seconds) => `${step.label}: still running after ${seconds} s`,
			heartbeatMs: 15_000,
		});
		if (result.exitCode !== 0) {
			throw new Error(
				`${step.label} failed (exit ${result.exitCode}${result.timedOut ? ', timed out' : ''}):\n` +
					result.output.split('\n').slice(-30).join('\n'),
			);
		}
		progress(`${step.label}: done in ${(result.durationMs / 1000).toFixed(1)} s`);
	}
	const installed = graphicsMagickVersion();
	if (!installed) throw new Error('apt-get installed graphicsmagick, but `gm version` still fails');
	progress(`GraphicsMagick installed: ${installed}`);
	return installed;
}

function hasAptGet(): boolean {
	return !spawnSync('apt-get', ['--version']).error;
}
