/**
 * n8n-core's BinaryDataService in filesystem mode, taken from its DI container, where the
 * binary helpers (`prepareBinaryData`, `getBinaryDataBuffer`, `assertBinaryData`) look it up.
 * Each workflow run gets its own temporary storage folder, removed after the run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { Container } from '@n8n/di';
import { BinaryDataConfig, BinaryDataService } from 'n8n-core';

export interface BinaryStorage {
	/** The folder the files of this run are written to. */
	readonly directory: string;
	dispose(): void;
}

/**
 * The config n8n builds from N8N_DEFAULT_BINARY_DATA_MODE=filesystem and
 * N8N_BINARY_DATA_STORAGE_PATH, made without the instance settings file n8n would also read.
 */
function filesystemConfig(): BinaryDataConfig {
	if (!Container.has(BinaryDataConfig)) {
		const config = Object.assign(Object.create(BinaryDataConfig.prototype) as BinaryDataConfig, {
			mode: 'filesystem',
			availableModes: ['filesystem'],
			localStoragePath: '',
			signingSecret: 'engine-test-signing-secret',
			dbMaxFileSize: 512,
		});
		Container.set(BinaryDataConfig, config);
	}
	return Container.get(BinaryDataConfig);
}

export async function useFilesystemBinaryData(): Promise<BinaryStorage> {
	const directory = mkdtempSync(path.join(tmpdir(), 'kredibel-engine-binary-'));
	filesystemConfig().localStoragePath = directory;
	// init() builds the filesystem store on the configured folder, as at n8n's start-up.
	await Container.get(BinaryDataService).init();
	return {
		directory,
		dispose: () => rmSync(directory, { recursive: true, force: true }),
	};
}
