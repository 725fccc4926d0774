/**
 * The machine a run was made on, printed above the table and stored with the figures: numbers
 * from a 2-core VM and from a laptop are not comparable, and the README must say which is which.
 */
import fs from 'node:fs';
import os from 'node:os';

export interface Machine {
	cpuModel: string;
	/** Logical CPUs the process may use (what `nproc` prints). */
	cores: number;
	memoryGiB: number;
	nodeVersion: string;
	platform: string;
	kernel: string;
}

export function describeMachine(): Machine {
	return {
		cpuModel: readCpuModel(),
		cores: os.availableParallelism(),
		memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
		nodeVersion: process.version,
		platform: `${os.platform()} ${os.arch()}`,
		kernel: os.release(),
	};
}

/** /proc/cpuinfo names the model as the vendor does; os.cpus() can be empty in containers. */
function readCpuModel(): string {
	try {
		const line = fs
			.readFileSync('/proc/cpuinfo', 'utf8')
			.split('\n')
			.find((entry) => entry.startsWith('model name'));
		if (line) return line.slice(line.indexOf(':') + 1).trim();
	} catch {
		// Not Linux: fall through to what Node knows.
	}
	return os.cpus()[0]?.model ?? 'unknown';
}

export function machineLine(machine: Machine): string {
	return (
		`${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB RAM, ` +
		`Node ${machine.nodeVersion}, ${machine.platform} (kernel ${machine.kernel})`
	);
}
