// Lets `npm test` and `npm run demo` work straight after `git clone`: installs the dev
// dependencies when node_modules is missing or older than package-lock.json. Plain Node.js,
// since nothing else is installed yet when it runs.
const { execSync } = require('node:child_process');
const { existsSync, lstatSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const marker = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');

const modules = join(root, 'node_modules');
// A node_modules that is a link (a git worktree sharing another checkout's) is managed there:
// `npm ci` here would empty the shared folder through the link.
const linked = existsSync(modules) && lstatSync(modules).isSymbolicLink();
const upToDate = existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs;
if (!upToDate && !linked) {
	console.log('Installing dev dependencies (npm ci)...');
	execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}
