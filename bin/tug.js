#!/usr/bin/env node
// The `tug` command. The TypeScript build (npm install runs it) puts the program in dist/.
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('tug: the program is not built yet: run `npm install` (or `npm run build`) in the Tugboat folder');
  process.exit(1);
}
const { run } = await import(main.href);
process.exitCode = await run(process.argv);
