// `npm run bench -- pull [--mb 100] [--layers 5] [--rounds 5]`: pushes an image of random (incompressible) layers to a local
// docker-registry, then times our pull (fetch, verify, unpack) against `skopeo copy` to an OCI layout (fetch and
// verify only) from the same registry in the same run, alternating, medians compared. Prints JSON { ours_mb_s, skopeo_mb_s, ratio, ... }.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createImageService } from '../src/runtime/images/index.js';
import { buildImage, pushImage } from '../test/support/oci-images.js';
import { findTool } from '../test/support/require-tool.js';
import { startRegistry } from '../test/support/registry.js';
import { nowMs, round } from './stats.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}
const totalMb = Number(arg('mb', '100'));
const layerCount = Number(arg('layers', '5'));

const reg = await startRegistry();
const work = mkdtempSync(join(tmpdir(), 'tug-bench-pull-'));
try {
  const per = Math.floor((totalMb * 1e6) / layerCount);
  const img = await buildImage({
    layers: Array.from({ length: layerCount }, (_, i) => ({ [`data/${i}.bin`]: { content: randomBytes(per) } })),
    gzipLevel: 1,
  });
  await pushImage(reg, 'big:1', img);
  const bytes = img.layers.reduce((n, l) => n + l.data.length, 0);
  const mb = bytes / 1e6;

  // A pull of 100 MB takes a few hundred ms here, so one sample is noise: alternate the two, fresh stores each
  // round, and compare medians.
  const rounds = Number(arg('rounds', '5'));
  const skopeo = findTool('skopeo');
  const oursRuns: number[] = [];
  const fetchRuns: number[] = [];
  const skopeoRuns: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const svc = createImageService({ root: join(work, `ours-${i}`), registries: { insecure: [reg.host] } });
    let t = nowMs();
    let fetchedAt = 0;
    await svc.pull(`${reg.host}/big:1`, { onProgress: (p) => void (p.fetched >= p.total && (fetchedAt = nowMs())) });
    oursRuns.push((nowMs() - t) / 1000);
    fetchRuns.push((fetchedAt - t) / 1000);
    svc.close();
    rmSync(join(work, `ours-${i}`), { recursive: true, force: true });
    if (skopeo) {
      t = nowMs();
      const r = spawnSync(skopeo, ['copy', '--src-tls-verify=false', `docker://${reg.host}/big:1`, `oci:${join(work, `skopeo-${i}`)}:big`], { stdio: ['ignore', 'ignore', 'pipe'] });
      skopeoRuns.push((nowMs() - t) / 1000);
      if (r.status !== 0) throw new Error(`skopeo copy failed: ${r.stderr.toString()}`);
      rmSync(join(work, `skopeo-${i}`), { recursive: true, force: true });
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const oursS = median(oursRuns);
  const skopeoS = skopeoRuns.length ? median(skopeoRuns) : undefined;
  const fetchS = median(fetchRuns);
  const ours = mb / oursS;
  const theirs = skopeoS ? mb / skopeoS : undefined;
  process.stdout.write(
    JSON.stringify({
      image_mb: round(mb, 1),
      layers: layerCount,
      rounds,
      ours_s: round(oursS, 3),
      ours_mb_s: round(ours, 1),
      skopeo_s: skopeoS !== undefined ? round(skopeoS, 3) : null,
      skopeo_mb_s: theirs !== undefined ? round(theirs, 1) : null,
      ratio: theirs !== undefined ? round(ours / theirs, 2) : null,
      ours_fetch_s: round(fetchS, 3),
      fetch_ratio: skopeoS !== undefined ? round(skopeoS / fetchS, 2) : null,
      note: 'ratio: our whole pull (fetch, verify, unpack every layer) against skopeo copy (fetch, verify, write blobs); fetch_ratio: until our last byte arrived (unpacking of lower layers overlaps it)',
    }) + '\n',
  );
} finally {
  await reg.stop();
  rmSync(work, { recursive: true, force: true });
}
