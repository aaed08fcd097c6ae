import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readExitFile, readRecords, waitUntil } from './container-records.js';

describe('container records', () => {
  it('reads the shim exit file, with and without a signal', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tug-exit-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    assert.equal(await readExitFile(dir), undefined);
    writeFileSync(join(dir, 'exit'), '0 - 1700000000000\n');
    assert.deepEqual(await readExitFile(dir), { exitCode: 0, finishedAt: new Date(1700000000000) });
    writeFileSync(join(dir, 'exit'), '137 9 1700000000001\n');
    assert.deepEqual(await readExitFile(dir), { exitCode: 137, signal: 9, finishedAt: new Date(1700000000001) });
  });

  it('lists readable records only', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tug-recs-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'a'));
    writeFileSync(join(dir, 'a', 'state.json'), JSON.stringify({ id: 'a' }));
    mkdirSync(join(dir, 'torn'));
    writeFileSync(join(dir, 'torn', 'state.json'), '{"id":');
    mkdirSync(join(dir, 'empty'));
    assert.deepEqual(await readRecords<{ id: string }>(dir), [{ id: 'a' }]);
    assert.deepEqual(await readRecords(join(dir, 'missing')), []);
  });

  it('waitUntil stops at the deadline or as soon as the condition holds', async () => {
    let calls = 0;
    const t0 = Date.now();
    await waitUntil(async () => ++calls >= 3, 2000);
    assert.equal(calls, 3);
    assert.ok(Date.now() - t0 < 1000);
    const t1 = Date.now();
    await waitUntil(async () => false, 60);
    assert.ok(Date.now() - t1 >= 55);
  });
});
