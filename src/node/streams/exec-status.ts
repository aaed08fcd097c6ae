// The Status objects the remotecommand error stream carries (v4 and later), shaped as the kubelet writes them:
// success is a bare Success status; a non-zero exit is NonZeroExitCode with the code as an ExitCode cause, which
// kubectl turns into "command terminated with exit code N" and its own exit code.
import { ApiError } from '../../api/errors.js';

export function successStatus(): object {
  return { metadata: {}, status: 'Success' };
}

export function exitStatus(argv: string[], code: number): object {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

export function errorStatus(e: unknown): object {
  if (e instanceof ApiError) return e.toStatus();
  const msg = e instanceof Error ? e.message : String(e);
  return { metadata: {}, status: 'Failure', message: `error executing command in container: ${msg}`, reason: 'InternalError', code: 500 };
}

/** Pre-v4 protocols carry only the error text, and nothing on success. */
export function statusText(status: object): string {
  const s = status as { status?: string; message?: string };
  return s.status === 'Success' ? '' : (s.message ?? 'error');
}
