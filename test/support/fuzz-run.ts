// Sends fuzz cases with bounded concurrency and checks each answer: a 4xx (never 5xx, never a dropped
// connection or a timeout) whose body is a JSON Status agreeing with the HTTP code.
import { request } from 'node:https';
import type { ApiClient, ApiResponse } from './api-client.js';
import type { FuzzCase } from './fuzz-cases.js';

export interface CaseResult {
  n: number;
  c: FuzzCase;
  status?: number;
  problem?: string;
}

/** Why an answer is wrong, or undefined when it is right. */
export function checkAnswer(c: FuzzCase, r: ApiResponse): string | undefined {
  if (r.status >= 500) return `server error ${r.status}: ${r.body.toString('utf8').slice(0, 300)}`;
  if (c.expect === 'not5xx') return undefined;
  if (r.status < 400) return `accepted with ${r.status}: ${r.body.toString('utf8').slice(0, 200)}`;
  let st: Record<string, unknown>;
  try {
    st = JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;
  } catch {
    return `${r.status} body is not JSON: ${JSON.stringify(r.body.toString('utf8').slice(0, 120))}`;
  }
  if (st['kind'] !== 'Status' || st['apiVersion'] !== 'v1') return `${r.status} body is not a v1 Status: ${r.body.toString('utf8').slice(0, 120)}`;
  if (st['status'] !== 'Failure') return `Status.status is ${String(st['status'])}`;
  if (st['code'] !== r.status) return `Status.code ${String(st['code'])} != HTTP ${r.status}`;
  if (typeof st['reason'] !== 'string' || st['reason'] === '') return `${r.status} Status without reason`;
  if (typeof st['message'] !== 'string' || st['message'] === '') return `${r.status} Status without message`;
  if (!String(r.headers['content-type'] ?? '').startsWith('application/json')) return `Status with Content-Type ${String(r.headers['content-type'])}`;
  return undefined;
}

/** A request without credentials (or with the case's own Authorization header). */
function sendAnonymous(client: ApiClient, c: FuzzCase, timeoutMs: number): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Accept: 'application/json', ...c.headers };
    const req = request({ host: client.url.hostname, port: client.url.port, method: c.method, path: c.path, headers, agent: client.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export async function runCases(
  client: ApiClient,
  cases: FuzzCase[],
  o: { concurrency: number; timeoutMs: number },
): Promise<CaseResult[]> {
  const results: CaseResult[] = new Array<CaseResult>(cases.length);
  let next = 0;
  const worker = async () => {
    for (let n = next++; n < cases.length; n = next++) {
      const c = cases[n]!;
      try {
        const r = c.anonymous
          ? await sendAnonymous(client, c, o.timeoutMs)
          : await client.send(c.method, c.path, { body: c.body, contentType: c.contentType, accept: c.accept, headers: c.headers, chunked: c.chunked, timeoutMs: o.timeoutMs });
        results[n] = { n, c, status: r.status, problem: checkAnswer(c, r) };
      } catch (e) {
        results[n] = { n, c, problem: `no answer: ${(e as Error).message}` };
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return results;
}
