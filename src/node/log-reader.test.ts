import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { containerLogStream } from './log-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'tug-logs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function text(r: Readable): Promise<string> {
  let s = '';
  for await (const c of r) s += (c as Buffer).toString();
  return s;
}

const base = { follow: false, previous: false, timestamps: false };
const stopped = async () => false;

function file(name: string, lines: string[]): string {
  const p = join(dir, name);
  writeFileSync(p, lines.map((l) => `${l}\n`).join(''));
  return p;
}

describe('container log reader', () => {
  const path = file('a.log', [
    '2026-01-01T00:00:01.000000001Z stdout F one',
    '2026-01-01T00:00:02.000000002Z stderr P tw',
    '2026-01-01T00:00:02.500000000Z stdout F three',
    '2026-01-01T00:00:03.000000003Z stderr F o',
    '2026-01-01T00:00:04.000000004Z stdout F four',
  ]);

  it('joins partial lines per stream and applies tail and timestamps', async () => {
    assert.equal(await text(await containerLogStream({ path, running: stopped }, base)), 'one\nthree\ntwo\nfour\n');
    const tail = await text(await containerLogStream({ path, running: stopped }, { ...base, tailLines: 2, timestamps: true }));
    assert.equal(tail, '2026-01-01T00:00:02.000000002Z two\n2026-01-01T00:00:04.000000004Z four\n');
    assert.equal(await text(await containerLogStream({ path, running: stopped }, { ...base, tailLines: 0 })), '');
  });

  it('applies sinceTime, sinceSeconds and limitBytes', async () => {
    const since = await text(await containerLogStream({ path, running: stopped }, { ...base, sinceTime: new Date('2026-01-01T00:00:02.400Z') }));
    assert.equal(since, 'three\nfour\n');
    const now = Date.parse('2026-01-01T00:00:05Z');
    assert.equal(await text(await containerLogStream({ path, running: stopped }, { ...base, sinceSeconds: 2 }, now)), 'four\n');
    assert.equal(await text(await containerLogStream({ path, running: stopped }, { ...base, limitBytes: 6 })), 'one\nth');
  });

  it('shows a last piece that no newline ended, as it is (a container whose output ends without one)', async () => {
    const p = file('d.log', ['2026-01-01T00:00:01Z stdout F line1', '2026-01-01T00:00:02Z stdout P system:serviceaccount:default:default']);
    assert.equal(await text(await containerLogStream({ path: p, running: stopped }, base)), 'line1\nsystem:serviceaccount:default:default');
    const ts = await text(await containerLogStream({ path: p, running: stopped }, { ...base, timestamps: true, tailLines: 1 }));
    assert.equal(ts, '2026-01-01T00:00:02Z system:serviceaccount:default:default');
  });

  it('reads rotated files first', async () => {
    const p = file('b.log', ['2026-01-01T00:00:03Z stdout F new']);
    file('b.log.1', ['2026-01-01T00:00:02Z stdout F older']);
    file('b.log.2', ['2026-01-01T00:00:01Z stdout F oldest']);
    assert.equal(await text(await containerLogStream({ path: p, running: stopped }, base)), 'oldest\nolder\nnew\n');
  });

  it('follows a running container until it stops', async () => {
    const p = file('c.log', ['2026-01-01T00:00:01Z stdout F first']);
    let running = true;
    const out = await containerLogStream({ path: p, running: async () => running }, { ...base, follow: true });
    const got = text(out);
    await new Promise((r) => setTimeout(r, 150));
    appendFileSync(p, '2026-01-01T00:00:02Z stdout F second\n');
    // Its last words end without a newline: they still reach the follower once it stops.
    appendFileSync(p, '2026-01-01T00:00:03Z stdout P bye\n');
    await new Promise((r) => setTimeout(r, 250));
    running = false;
    assert.equal(await got, 'first\nsecond\nbye');
  });
});
