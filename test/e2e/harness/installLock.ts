/**
 * One installer per cache folder at a time. Jest runs test files in parallel workers, and a
 * person may run `npm run e2e:install` while a test run installs: two `npm install`s in one
 * folder corrupt it. The lock is a file next to the folder (so wiping the folder keeps it)
 * holding the owner's pid; a lock whose process is gone is stale and taken over.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isAlive, progress } from './processes';

const POLL_MS = 2_000;
const REPORT_EVERY_MS = 20_000;

export async function withInstallLock<T>(folder: string, work: () => Promise<T>): Promise<T> {
	const lockFile = `${folder}.lock`;
	fs.mkdirSync(path.dirname(lockFile), { recursive: true });
	const waitingSince = Date.now();
	let lastReport = waitingSince;
	for (;;) {
		const blocker = lockHolder(lockFile) ?? foreignProcessIn(folder);
		if (blocker === undefined && tryCreate(lockFile)) break;
		if (Date.now() - lastReport >= REPORT_EVERY_MS) {
			lastReport = Date.now();
			const waited = Math.round((Date.now() - waitingSince) / 1000);
			progress(`waiting ${waited} s for ${blocker ?? 'another installer'} to finish in ${folder}`);
		}
		await new Promise((resolve) => setTimeout(resolve, POLL_MS));
	}
	try {
		return await work();
	} finally {
		fs.rmSync(lockFile, { force: true });
	}
}

function tryCreate(lockFile: string): boolean {
	try {
		fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
		return true;
	} catch {
		return false;
	}
}

/** "pid N" when a live process holds the lock; removes a stale lock and returns undefined. */
function lockHolder(lockFile: string): string | undefined {
	let pid: number;
	try {
		pid = Number(fs.readFileSync(lockFile, 'utf8'));
	} catch {
		return undefined;
	}
	// Our own pid can only be a leftover: in-process callers share one promise per folder.
	if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
		return `pid ${pid}`;
	}
	fs.rmSync(lockFile, { force: true });
	return undefined;
}

/**
 * An install started by hand (no lock file) shows up as an npm/node process whose working
 * directory is the folder (a shell merely sitting there does not count). Linux only; elsewhere
 * the lock file is the only guard.
 */
function foreignProcessIn(folder: string): string | undefined {
	let entries: string[];
	try {
		entries = fs.readdirSync('/proc');
	} catch {
		return undefined;
	}
	const target = path.resolve(folder);
	for (const entry of entries) {
		if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
		try {
			if (fs.readlinkSync(`/proc/${entry}/cwd`) !== target) continue;
			const commandLine = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
			if (/\b(npm|node)\b/.test(commandLine)) return `pid ${entry} (${commandLine.trim()})`;
		} catch {
			// Not ours to read, or exited meanwhile.
		}
	}
	return undefined;
}
