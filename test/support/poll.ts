// Polling with a deadline, for end-to-end tests that wait on a real server (pods running, a rollout done, a
// kubectl column filled in). One loop for every suite, so they all treat a throw the same way: as "not yet".

export interface PollOptions {
  /** The deadline, from the first call. */
  ms: number;
  /** The pause between calls. */
  everyMs?: number;
  /** More text for the timeout error, e.g. the tail of the server's output. */
  detail?: () => string;
}

/**
 * Calls fn until it returns something truthy and returns that. A throw counts as "not yet" and is named in the
 * timeout error. fn is always called once more at the deadline, so a short ms still gets one look.
 */
export async function poll<T>(what: string, fn: () => Promise<T | undefined | false>, o: PollOptions): Promise<T> {
  const deadline = Date.now() + o.ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    const left = deadline - Date.now();
    if (left <= 0) break;
    await new Promise((r) => setTimeout(r, Math.min(o.everyMs ?? 100, left)));
  }
  const detail = o.detail ? `\n${o.detail()}` : '';
  throw new Error(`timed out after ${o.ms} ms waiting for ${what}${last ? `: ${String(last)}` : ''}${detail}`);
}
