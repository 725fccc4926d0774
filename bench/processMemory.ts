/**
 * Peak memory of a process we did not start ourselves (n8n, started by the e2e harness) and of
 * the processes it starts (n8n 2.x runs Code nodes in a task-runner child process). Linux only:
 * polls /proc, finds the process by its command line, follows /proc/<pid>/task/<tid>/children,
 * and keeps the kernel's high-water mark (VmHWM) of each process as last read, plus the largest
 * sum of current RSS over the tree. A peak in the last poll interval before exit can be missed,
 * which is why the interval is short.
 */
import fs from 'node:fs';

export interface ProcessTreePeak {
	/** VmHWM of the matched process, bytes. */
	mainPeak: number;
	/** VmHWM of each descendant, summed, bytes (e.g. n8n's task runner). */
	descendantsPeak: number;
	/** The largest total RSS of the whole tree at one sample, bytes. */
	treePeak: number;
	samples: number;
}

/**
 * Runs `work` (which starts the process) while watching the process whose command line
 * `isRoot` accepts, and its children.
 */
export async function watchPeakMemory<T>(
	isRoot: (commandLine: string) => boolean,
	work: () => Promise<T>,
): Promise<{ value: T; peak: ProcessTreePeak }> {
	const monitor = new ProcessTreeMonitor(isRoot);
	monitor.start();
	let value: T;
	try {
		value = await work();
	} catch (error) {
		monitor.stop();
		throw error;
	}
	return { value, peak: monitor.stop() };
}

class ProcessTreeMonitor {
	private timer: NodeJS.Timeout | undefined;
	private root: number | undefined;
	private readonly highWater = new Map<number, number>();
	private treePeak = 0;
	private samples = 0;

	constructor(
		/** Picks the process to watch by its command line (arguments joined by spaces). */
		private readonly isRoot: (commandLine: string) => boolean,
		private readonly intervalMs = 20,
	) {}

	start(): void {
		this.timer = setInterval(() => this.sample(), this.intervalMs);
	}

	/** Stops polling. `samples` is 0 when the process was never seen: the figures mean nothing. */
	stop(): ProcessTreePeak {
		clearInterval(this.timer);
		let descendantsPeak = 0;
		for (const [pid, bytes] of this.highWater) if (pid !== this.root) descendantsPeak += bytes;
		return {
			mainPeak: this.root === undefined ? 0 : (this.highWater.get(this.root) ?? 0),
			descendantsPeak,
			treePeak: this.treePeak,
			samples: this.samples,
		};
	}

	private sample(): void {
		this.root ??= findProcess(this.isRoot);
		if (this.root === undefined) return;
		let total = 0;
		for (const pid of [this.root, ...descendantsOf(this.root)]) {
			const memory = readMemory(pid);
			if (!memory) continue; // exited between listing and reading
			this.highWater.set(pid, Math.max(this.highWater.get(pid) ?? 0, memory.hwm));
			total += memory.rss;
		}
		this.treePeak = Math.max(this.treePeak, total);
		this.samples++;
	}
}

function findProcess(isRoot: (commandLine: string) => boolean): number | undefined {
	for (const entry of fs.readdirSync('/proc')) {
		const pid = Number(entry);
		if (!Number.isInteger(pid) || pid === process.pid) continue;
		try {
			const commandLine = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
			if (isRoot(commandLine)) return pid;
		} catch {
			// Gone meanwhile.
		}
	}
	return undefined;
}

function descendantsOf(pid: number): number[] {
	const found: number[] = [];
	let threads: string[];
	try {
		threads = fs.readdirSync(`/proc/${pid}/task`);
	} catch {
		return found;
	}
	for (const thread of threads) {
		let children: string;
		try {
			children = fs.readFileSync(`/proc/${pid}/task/${thread}/children`, 'utf8');
		} catch {
			continue;
		}
		for (const child of children.split(' ').filter(Boolean).map(Number)) {
			found.push(child, ...descendantsOf(child));
		}
	}
	return found;
}

function readMemory(pid: number): { rss: number; hwm: number } | undefined {
	let status: string;
	try {
		status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
	} catch {
		return undefined;
	}
	const kib = (field: string) =>
		Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
	return { rss: kib('VmRSS') * 1024, hwm: kib('VmHWM') * 1024 };
}
