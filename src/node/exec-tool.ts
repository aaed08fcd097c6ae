// Running a system tool (mount, umount) and collecting its exit code.
import { spawn } from 'node:child_process';

export function runTool(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: 'ignore' });
    c.once('error', () => resolve(127));
    c.once('exit', (code) => resolve(code ?? 1));
  });
}
