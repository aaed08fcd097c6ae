// ImageLocality: the scores kube-scheduler's own table gives (image_locality_test.go), worked out by hand.
// MB = 1024 * 1024; min = 23 MB; max = 1000 MB x (init + regular containers); score = floor(100 (s - min) / (max - min)).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../api/object.js';
import { newFramework } from '../registry.js';
import { cacheOf, makeNode, makePod } from '../testing.js';
import { CycleState } from '../types.js';
import { newPodInfo } from '../pod-info.js';
import { imageLocality, imageLocalityScore, normalizedImageName, scaledImageScore } from './image-locality.js';

const MB = 1024 * 1024;

function imageNode(name: string, images: { names: string[]; mb: number }[]): KubeObject {
  const n = makeNode(name);
  (n.status as Record<string, unknown>).images = images.map((i) => ({ names: i.names, sizeBytes: i.mb * MB }));
  return n;
}

function imagePod(containers: string[], init: string[] = []): KubeObject {
  return makePod('p', {
    spec: {
      containers: containers.map((image, i) => ({ name: `c${i}`, image })),
      ...(init.length ? { initContainers: init.map((image, i) => ({ name: `i${i}`, image })) } : {}),
    },
  });
}

// Kubernetes' fixture nodes.
const node403002000 = imageNode('machine1', [
  { names: ['gcr.io/40:latest', 'gcr.io/40:v1', 'gcr.io/40:v1'], mb: 40 },
  { names: ['gcr.io/300:latest', 'gcr.io/300:v1'], mb: 300 },
  { names: ['gcr.io/2000:latest'], mb: 2000 },
]);
const node25010 = imageNode('machine2', [
  { names: ['gcr.io/250:latest'], mb: 250 },
  { names: ['gcr.io/10:latest', 'gcr.io/10:v1'], mb: 10 },
]);
const noImages = imageNode('machine3', []);

/** PreScore then Score on every node, in node order; a skipped PreScore means 0 everywhere. */
function scores(pod: KubeObject, nodes: KubeObject[]): number[] {
  const cache = cacheOf(nodes);
  const plugin = imageLocality();
  const state = new CycleState();
  const info = newPodInfo(pod);
  if (plugin.preScore!(state, info, cache.nodes, cache) === 'skip') return cache.nodes.map(() => 0);
  return cache.nodes.map((n) => plugin.score!(state, info, n));
}

describe('ImageLocality', () => {
  const cases: [string, KubeObject, KubeObject[], number[]][] = [
    [
      // machine1: gcr.io/40 only: 40 x 1/2 = 20 MB < 23 MB -> 0.
      // machine2: gcr.io/250: 250 x 1/2 = 125 MB -> 100 (125 - 23) / (2000 - 23) = 10200 / 1977 = 5.16 -> 5.
      'two images spread on two nodes, prefer the larger image one',
      imagePod(['gcr.io/40', 'gcr.io/250']),
      [node403002000, node25010],
      [0, 5],
    ],
    [
      // machine1: (40 + 300) x 1/2 = 170 MB -> 100 (170 - 23) / 1977 = 14700 / 1977 = 7.44 -> 7.
      'two images on one node, prefer this node',
      imagePod(['gcr.io/40', 'gcr.io/300']),
      [node403002000, node25010],
      [7, 0],
    ],
    [
      // machine1: 2000 x 1/2 = 1000 MB -> 100 (1000 - 23) / 1977 = 97700 / 1977 = 49.4 -> 49 (the ceiling is 2000 MB
      // for two containers). machine2: 10 x 1/2 = 5 MB < 23 -> 0.
      'if exceed limit, use limit',
      imagePod(['gcr.io/10', 'gcr.io/2000']),
      [node403002000, node25010],
      [49, 0],
    ],
    [
      // machine1: trunc(2097152000 x 1/3) = 699050666 B; 100 (699050666 - 24117248) / (2097152000 - 24117248)
      // = 67493341800 / 2073034752 = 32.6 -> 32. machine2 0 (under the minimum), machine3 0 (nothing).
      'if exceed limit, use limit (with node which has no images present)',
      imagePod(['gcr.io/10', 'gcr.io/2000']),
      [node403002000, node25010, noImages],
      [32, 0, 0],
    ],
    [
      // Init containers count too, and in the ceiling: 2 containers -> 2000 MB.
      // machine1: init gcr.io/300 150 MB; machine2: gcr.io/250 125 MB.
      // 100 (150 - 23) / 1977 = 6.42 -> 6; 100 (125 - 23) / 1977 = 5.16 -> 5.
      'init container images count',
      imagePod(['gcr.io/250'], ['gcr.io/300']),
      [node403002000, node25010],
      [6, 5],
    ],
    [
      // A tag matches only that tag: gcr.io/300:v1 on machine1 (150 MB, one container -> ceiling 1000 MB):
      // 100 (157286400 - 24117248) / (1048576000 - 24117248) = 13316915200 / 1024458752 = 12.999 -> 12 (floor).
      // gcr.io/250:v1 is not on machine2 (only :latest is).
      'explicit tags',
      imagePod(['gcr.io/300:v1']),
      [node403002000, imageNode('machine2', [{ names: ['gcr.io/300:v2'], mb: 300 }])],
      [12, 0],
    ],
    [
      // Spread: a 500 MB image on 2 of 3 nodes counts 2/3 of its size there: trunc(524288000 x 2/3) = 349525333;
      // 100 (349525333 - 24117248) / 1024458752 = 31.8 -> 31. Were it on one node only, 1/3: 174762666 -> 14.
      'an image on more nodes counts more on each (spread)',
      imagePod(['gcr.io/500']),
      [
        imageNode('a', [{ names: ['gcr.io/500:latest'], mb: 500 }]),
        imageNode('b', [{ names: ['gcr.io/500:latest'], mb: 500 }]),
        imageNode('c', []),
      ],
      [31, 31, 0],
    ],
    [
      'an image on one node of three',
      imagePod(['gcr.io/500']),
      [imageNode('a', [{ names: ['gcr.io/500:latest'], mb: 500 }]), imageNode('b', []), imageNode('c', [])],
      [14, 0, 0],
    ],
    [
      // One node, one container, 2000 MB > 1000 MB ceiling -> 100.
      'huge image on the only node: the maximum',
      imagePod(['gcr.io/2000']),
      [node403002000],
      [100],
    ],
    [
      // Kubernetes does not add docker.io/library: "nginx" is "nginx:latest", not the runtime's full name.
      'no registry expansion',
      imagePod(['nginx']),
      [imageNode('a', [{ names: ['docker.io/library/nginx:latest'], mb: 500 }]), imageNode('b', [])],
      [0, 0],
    ],
  ];
  for (const [name, pod, nodes, want] of cases) it(name, () => assert.deepEqual(scores(pod, nodes), want));

  it('normalizes names as Kubernetes does', () => {
    const digest = 'sha256:' + 'a'.repeat(64);
    assert.equal(normalizedImageName('root'), 'root:latest');
    assert.equal(normalizedImageName('gcr.io:5000/root'), 'gcr.io:5000/root:latest');
    assert.equal(normalizedImageName('root:tag'), 'root:tag');
    assert.equal(normalizedImageName(`root@${digest}`), `root@${digest}`);
  });

  it('arithmetic at the edges', () => {
    assert.equal(imageLocalityScore(0, 1), 0);
    assert.equal(imageLocalityScore(23 * MB, 1), 0);
    assert.equal(imageLocalityScore(1000 * MB, 1), 100);
    assert.equal(imageLocalityScore(5000 * MB, 2), 100);
    assert.equal(imageLocalityScore(500 * MB, 0), 0);
    assert.equal(scaledImageScore(3, 1, 2), 1);
  });

  it('the default profile prefers the node holding the image', () => {
    // Identical nodes otherwise; random() = 0 breaks ties toward the last node, so only ImageLocality picks 'a'.
    const cache = cacheOf([imageNode('a', [{ names: ['gcr.io/900:latest'], mb: 900 }]), imageNode('b', []), imageNode('c', [])]);
    const fw = newFramework({ random: () => 0 });
    const r = fw.schedule(new CycleState(), newPodInfo(imagePod(['gcr.io/900'])), cache);
    assert.equal(r.ok && r.node, 'a');
    const none = fw.schedule(new CycleState(), newPodInfo(imagePod(['gcr.io/other'])), cache);
    assert.equal(none.ok && none.node, 'c');
  });
});
