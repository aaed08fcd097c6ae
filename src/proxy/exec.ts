// Running nft and conntrack: stdin in, output captured. (The proxy does not import src/network: components meet
// only through the API, so this small spawn helper is its own.)
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runTool(cmd: string, args: string[], input = ''): Promise<ToolResult> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    c.once('error', (e) => resolve({ code: 127, stdout, stderr: e.message }));
    c.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    c.stdin.on('error', () => undefined);
    c.stdin.end(input);
  });
}

export function onPath(name: string): boolean {
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(d, name), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** Applies one nft script as one transaction; throws with nft's message (it names the failing line). */
export async function nftApply(script: string): Promise<void> {
  const r = await runTool('nft', ['-f', '-'], script);
  if (r.code !== 0) throw new Error(`nft -f: ${(r.stderr || r.stdout).trim().slice(0, 2000)}`);
}
