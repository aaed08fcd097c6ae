#!/usr/bin/env node
// `npm run bench -- NAME`: builds, then runs bench/NAME, which prints its figures as JSON on stdout.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const name = process.argv[2];
const available = () =>
  existsSync(`${root}dist/bench`)
    ? readdirSync(`${root}dist/bench`).filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3))
    : [];
// tsc emits JavaScript even when some file has a type error: a benchmark still runs then, with a warning.
const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
if (build.status !== 0) console.error(`bench: the build reported type errors (npm run build shows them); running anyway`);
if (!name || !available().includes(name)) {
  console.error(`usage: npm run bench -- NAME   (one of: ${available().join(', ')})`);
  process.exit(2);
}
const run = spawnSync(process.execPath, ['--expose-gc', `${root}dist/bench/${name}.js`, ...process.argv.slice(3)], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
