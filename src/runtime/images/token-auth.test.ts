// The registry's Bearer token flow, end to end through the image service: a small registry on 127.0.0.1 that
// serves a few blobs only with `Authorization: Bearer <token>`, and the token service its challenge names
// (docker's token protocol: GET realm?service=&scope= with optional basic credentials -> {token}).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage, type BuiltImage } from '../../../test/support/oci-images.js';
import { ImagePullError, type DockerAuths } from '../types.js';
import { createImageService } from './index.js';

const USER = { username: 'alice', password: 's3cret' };
const REFRESH_TOKEN = 'refresh-abc';

interface TokenRegistry {
  host: string;
  /** Each GET of the token service: its basic credentials (decoded), service and scope. */
  tokenRequests: { user?: string; service: string | null; scope: string | null }[];
  /** Each /v2/ request: path, whether a valid token came with it, the answer. */
  registryRequests: { path: string; bearer: boolean; status: number }[];
  /** Every token in circulation stops working after this many requests served with a token (an expiry). */
  revokeAfter?: number;
  /** Requests served with a token so far (reset by the test). */
  served: number;
  /** Tokens issued are dead from the start (a broken token service). */
  deadTokens: boolean;
  allowAnonymous: boolean;
  /** The JSON field the token comes in. */
  tokenField: 'token' | 'access_token';
  close(): Promise<void>;
}

/** repository -> image; `private` needs alice's token, the others any token. */
async function startTokenRegistry(images: Record<string, BuiltImage>): Promise<TokenRegistry> {
  const grants = new Map<string, Set<string>>();
  const state = { tokenRequests: [], registryRequests: [], served: 0, deadTokens: false, allowAnonymous: true, tokenField: 'token' } as Omit<TokenRegistry, 'host' | 'close'>;
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  /** The OAuth2 form docker sends with an identity token: POST grant_type=refresh_token&refresh_token=... */
  const oauth = async (req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    for await (const c of req) text += String(c);
    const f = new URLSearchParams(text);
    state.tokenRequests.push({ user: `refresh:${f.get('refresh_token')}`, service: f.get('service'), scope: f.get('scope') });
    if (req.headers['content-type'] !== 'application/x-www-form-urlencoded' || f.get('grant_type') !== 'refresh_token' || !f.get('client_id')) {
      return json(res, 400, { error: 'invalid_request' });
    }
    if (f.get('refresh_token') !== REFRESH_TOKEN) return json(res, 401, { error: 'invalid_grant', error_description: 'refresh token expired or revoked' });
    const t = randomBytes(12).toString('hex');
    grants.set(t, new Set(['private', 'app']));
    json(res, 200, { access_token: t, expires_in: 300, refresh_token: REFRESH_TOKEN });
  };

  const token = (req: IncomingMessage, res: ServerResponse, u: URL) => {
    if (req.method === 'POST') return void oauth(req, res);
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    const [user, password] = basic ? Buffer.from(basic[1]!, 'base64').toString().split(/:(.*)/s) : [];
    state.tokenRequests.push({ ...(user ? { user } : {}), service: u.searchParams.get('service'), scope: u.searchParams.get('scope') });
    if (basic && (user !== USER.username || password !== USER.password)) return json(res, 401, { details: 'incorrect username or password' });
    if (!basic && !state.allowAnonymous) return json(res, 401, { details: 'anonymous access is disabled: log in' });
    // As Docker Hub does: an anonymous token is issued for any scope, it just grants nothing private.
    const repo = /^repository:(.+):pull$/.exec(u.searchParams.get('scope') ?? '')?.[1] ?? '';
    const t = randomBytes(12).toString('hex');
    if (!state.deadTokens) grants.set(t, new Set(repo === 'private' && !basic ? [] : [repo]));
    json(res, 200, { [state.tokenField]: t, expires_in: 300 });
  };

  const registry = (req: IncomingMessage, res: ServerResponse, u: URL) => {
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(u.pathname);
    const repo = m?.[1] ?? '';
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const granted = bearer !== undefined && !!grants.get(bearer)?.has(repo);
    const answer = (status: number) => state.registryRequests.push({ path: u.pathname, bearer: granted, status });
    if (!granted) {
      answer(401);
      const scope = `repository:${repo}:pull`;
      const error = bearer === undefined ? '' : grants.has(bearer) ? ',error="insufficient_scope"' : ',error="invalid_token"';
      return json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: [{ Type: 'repository', Name: repo, Action: 'pull' }] }] }, {
        'www-authenticate': `Bearer realm="http://${host}/token",service="test",scope="${scope}"${error}`,
      });
    }
    if (++state.served === state.revokeAfter) grants.clear();
    const img = images[repo];
    const ref = m?.[3] ?? '';
    const blob =
      m?.[2] === 'manifests'
        ? ref === '1' || ref === img?.manifest.digest ? img?.manifest : undefined
        : [img?.config, ...(img?.layers ?? [])].find((b) => b?.digest === ref);
    if (!blob) {
      answer(404);
      return json(res, 404, { errors: [{ code: m?.[2] === 'manifests' ? 'MANIFEST_UNKNOWN' : 'BLOB_UNKNOWN', message: 'unknown' }] });
    }
    answer(200);
    res.writeHead(200, { 'content-type': blob.mediaType, 'content-length': blob.data.length, 'docker-content-digest': blob.digest });
    res.end(blob.data);
  };

  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname === '/token') token(req, res, u);
    else registry(req, res, u);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return Object.assign(state, {
    host,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  });
}

describe('registry Bearer token flow', async () => {
  const app = await buildImage({ layers: [{ 'a.txt': { content: 'a' } }, { 'b.txt': { content: 'b' } }], files: { 'c.txt': { content: 'c' } } });
  const secret = await buildImage({ layers: [{ 'p.txt': { content: 'p' } }], files: { 'q.txt': { content: 'q' } } });
  const reg = await startTokenRegistry({ app, private: secret });
  const roots: string[] = [];
  after(async () => {
    await reg.close();
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  /** A fresh image store each time, so every blob is fetched again. */
  async function pull(repo: string, auths?: DockerAuths[]) {
    const root = mkdtempSync(join(tmpdir(), 'tug-token-'));
    roots.push(root);
    reg.tokenRequests.length = 0;
    reg.registryRequests.length = 0;
    reg.served = 0;
    const svc = createImageService({ root, registries: { insecure: [reg.host] } });
    try {
      return await svc.pull(`${reg.host}/${repo}:1`, auths ? { auths } : {});
    } finally {
      svc.close();
    }
  }
  const creds = (c: { username: string; password: string }): DockerAuths => ({ [`http://${reg.host}/v2/`]: c });
  const refused = (re: RegExp) => (e: unknown) => e instanceof ImagePullError && e.kind === 'unauthorized' && re.test(e.message);

  it('an anonymous token opens a public repository, and one token serves the manifest and every blob', async () => {
    reg.allowAnonymous = true;
    const info = await pull('app');
    assert.equal(info.id, app.id);
    assert.deepEqual(reg.tokenRequests, [{ service: 'test', scope: 'repository:app:pull' }]);
    // The first request meets the challenge; then the manifest, the config and three layers, all with the token.
    assert.deepEqual(
      reg.registryRequests.map((r) => r.status),
      [401, 200, 200, 200, 200, 200],
    );
    assert.equal(reg.registryRequests.filter((r) => r.bearer).length, 5);
  });

  it('a token service that refuses anonymous users: the error says to add credentials', async () => {
    reg.allowAnonymous = false;
    try {
      await assert.rejects(pull('app'), refused(/denied: the token service \(127\.0\.0\.1:\d+\) says: anonymous access is disabled.*no credentials for 127\.0\.0\.1:\d+: add an imagePullSecret/));
    } finally {
      reg.allowAnonymous = true;
    }
  });

  it('a private repository: refused without credentials and with wrong ones, pulled with the right ones', async () => {
    // An anonymous token is issued but grants nothing: the registry answers insufficient_scope.
    await assert.rejects(pull('private'), refused(/pull access to 127\.0\.0\.1:\d+\/private denied: authentication required \(no credentials for .*imagePullSecret/));
    await assert.rejects(pull('private', [creds({ username: 'alice', password: 'wrong' })]), refused(/incorrect username or password \(the credentials for 127\.0\.0\.1:\d+ were refused: check the username and password/));
    assert.deepEqual(reg.tokenRequests.map((t) => t.user), ['alice']);
    // A wrong pull secret first, the right one second: the second one is used, and only one token is fetched with it.
    reg.tokenField = 'access_token';
    try {
      const info = await pull('private', [creds({ username: 'alice', password: 'wrong' }), creds(USER)]);
      assert.equal(info.id, secret.id);
    } finally {
      reg.tokenField = 'token';
    }
    assert.deepEqual(reg.tokenRequests, [
      { user: 'alice', service: 'test', scope: 'repository:private:pull' },
      { user: 'alice', service: 'test', scope: 'repository:private:pull' },
    ]);
    assert.equal(reg.registryRequests.filter((r) => r.status === 200).length, 4);
  });

  it('an expired token is refreshed once, by the one fetch the parallel downloads that met it share', async () => {
    // The token dies after the manifest and the config: the three layers, fetched side by side, all meet a 401.
    reg.revokeAfter = 2;
    try {
      const info = await pull('app');
      assert.equal(info.id, app.id);
    } finally {
      reg.revokeAfter = undefined;
    }
    assert.equal(reg.tokenRequests.length, 2, JSON.stringify(reg.tokenRequests));
    const layerAnswers = reg.registryRequests.filter((r) => app.layers.some((l) => r.path.endsWith(l.digest)));
    assert.equal(layerAnswers.filter((r) => r.status === 200).length, 3);
    assert.ok(layerAnswers.filter((r) => r.status === 401).length >= 1);
  });

  it('an identity token (docker login with OAuth2) is exchanged by POST for an access token', async () => {
    const identity = (t: string): DockerAuths => ({ [reg.host]: { username: '00000000-0000-0000-0000-000000000000', identitytoken: t } });
    const info = await pull('private', [identity(REFRESH_TOKEN)]);
    assert.equal(info.id, secret.id);
    assert.deepEqual(reg.tokenRequests, [{ user: `refresh:${REFRESH_TOKEN}`, service: 'test', scope: 'repository:private:pull' }]);
    await assert.rejects(pull('private', [identity('stale')]), refused(/refresh token expired or revoked \(invalid_grant\).*were refused/));
  });

  it('a token service handing out tokens the registry refuses ends in an error, not a loop', async () => {
    reg.deadTokens = true;
    try {
      await assert.rejects(pull('app', [creds(USER)]), refused(/authentication required \(the credentials for .* were refused/));
    } finally {
      reg.deadTokens = false;
    }
    assert.equal(reg.tokenRequests.length, 1);
  });
});
