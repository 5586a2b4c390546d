import assert from 'node:assert/strict';
import { defaultConfig } from '../../../src/core/config/load';
import { validateOverrides } from '../../../src/core/config/load';
import {
  budgetsFromConfig,
  formatSize,
  instructionText,
  layerInstructions,
  parseGrowth,
  parseSize,
  previousRelease,
  sizeChecks,
  sizeDeltas,
  type ImageSize,
} from '../../../src/core/size';
import type { Descriptor } from '../../../src/core/registry';

const layer = (n: number, size: number): Descriptor => ({
  mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
  digest: `sha256:${String(n).padStart(64, '0')}`,
  size,
});

function image(tag: string, layers: Record<string, Array<[number, number]>>): ImageSize {
  return {
    reference: `registry.example/acme/app:${tag}`,
    repository: 'registry.example/acme/app',
    tag,
    digest: `sha256:${'f'.repeat(64)}`,
    platforms: Object.entries(layers).map(([platform, ls]) => ({
      platform,
      digest: `sha256:${'e'.repeat(64)}`,
      compressed: ls.reduce((n, [, s]) => n + s, 0),
      layers: ls.map(([d, s], index) => ({ ...layer(d, s), index })),
    })),
  };
}

describe('size: units, history, previous release', () => {
  it('reads sizes in decimal and binary units, growth as a size or a share', () => {
    assert.deepEqual(
      ['512', '800kB', '150MB', '150MiB', '1.5GB', '2GiB'].map((s) => parseSize(s, 'k')),
      [512, 800_000, 150_000_000, 157_286_400, 1_500_000_000, 2_147_483_648],
    );
    assert.throws(() => parseSize('150 megs', 'size.budget'), /size\.budget: "150 megs" is not a size/);
    assert.deepEqual(parseGrowth('5%', 'g'), { percent: 5 });
    assert.deepEqual(parseGrowth('10MB', 'g'), { bytes: 10_000_000 });
    assert.deepEqual([formatSize(999), formatSize(1500), formatSize(123_456_789)], ['999 B', '1.5 kB', '123.5 MB']);
  });

  it('the configuration refuses a malformed budget or rule, naming the key', () => {
    assert.throws(
      () => validateOverrides({ size: { budget: 'big' } }, 'release-operator.json'),
      /size\.budget: expected a size like 150MB/,
    );
    assert.throws(
      () => validateOverrides({ size: { platformBudgets: { linux: '1MB' } } }, 'release-operator.json'),
      /size\.platformBudgets: key "linux" is not a platform like linux\/arm64/,
    );
    assert.throws(
      () => validateOverrides({ retention: { rules: { 'candidate-*': 'forever' } } }, 'release-operator.json'),
      /retention\.rules\.candidate-\*: expected a rule like "10", "14d" or "10 14d"/,
    );
    assert.deepEqual(validateOverrides({ size: { maxGrowth: '5%' } }, 'f'), { size: { maxGrowth: '5%' } });
  });

  it('maps layer-making history entries to layers; a mismatch guesses nothing', () => {
    const history = [
      { created_by: '/bin/sh -c #(nop) ADD file:abc in / ' },
      { created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true },
      { created_by: 'RUN /bin/sh -c apt-get update && apt-get install -y curl # buildkit' },
      { created_by: 'ARG TARGETARCH', empty_layer: true },
      { created_by: 'COPY app /app # buildkit' },
    ];
    assert.deepEqual(layerInstructions({ history }, [layer(1, 1), layer(2, 2), layer(3, 3)]).instructions, [
      'ADD file:abc in /',
      'RUN /bin/sh -c apt-get update && apt-get install -y curl',
      'COPY app /app',
    ]);
    const off = layerInstructions({ history }, [layer(1, 1), layer(2, 2)]);
    assert.deepEqual(off.instructions, [undefined, undefined]);
    assert.match(off.note!, /names 3 layer-making steps for 2 layers/);
    assert.equal(instructionText('/bin/sh -c apk add  --no-cache   git'), 'RUN apk add --no-cache git');
  });

  it('the previous release: below a version; a candidate against the newest release; never a prerelease', () => {
    const tags = [
      { tag: 'v1.0.0', digest: 'a' },
      { tag: 'v1.1.0', digest: 'b' },
      { tag: 'v1.2.0-rc.1', digest: 'c' },
      { tag: 'v1.2.0', digest: 'd' },
      { tag: 'v2.0.0', digest: 'e' },
    ];
    const prev = (current: { tag?: string; digest: string }) => {
      const r = previousRelease(tags, current, 'v');
      return 'none' in r ? r.none : r.tag;
    };
    assert.equal(prev({ tag: 'v1.2.0', digest: 'd' }), 'v1.1.0');
    assert.equal(prev({ tag: 'v1.2.0-rc.2', digest: 'x' }), 'v1.1.0');
    assert.equal(prev({ tag: 'latest', digest: 'e' }), 'v1.2.0');
    assert.equal(prev({ tag: 'candidate-9', digest: 'z' }), 'v2.0.0');
    assert.match(prev({ tag: 'v1.0.0', digest: 'a' }), /no release below v1\.0\.0/);
    const empty = previousRelease([], { tag: 'main', digest: 'z' }, 'v');
    assert.ok('none' in empty && /no stable version tag \(vX\.Y\.Z\)/.test(empty.none));
  });
});

describe('size: deltas and budget rows', () => {
  const before = image('v1.0.0', {
    'linux/amd64': [
      [1, 1000],
      [2, 500],
    ],
    'linux/arm64': [
      [3, 900],
      [4, 500],
    ],
  });
  const after = image('v1.1.0', {
    'linux/amd64': [
      [1, 1000],
      [5, 700],
    ],
    'linux/arm64': [
      [3, 900],
      [4, 500],
      [6, 50],
    ],
    'linux/s390x': [[7, 10]],
  });
  const report = {
    image: after,
    previous: { tag: 'v1.0.0', version: '1.0.0', image: before, why: 'the newest stable version tag below v1.1.0' },
    deltas: sizeDeltas(after, before),
  };

  it('names the layers that came and went, per platform; a new platform has no growth', () => {
    const [amd, arm, s390x] = report.deltas;
    assert.deepEqual([amd.growth, amd.added.map((l) => l.size), amd.removed.map((l) => l.size)], [200, [700], [500]]);
    assert.deepEqual([arm.growth, arm.added.length, arm.removed.length], [50, 1, 0]);
    assert.equal(s390x.growth, undefined);
  });

  it('a row per platform: over budget is a problem with both figures; no budget examined nothing', () => {
    const config = defaultConfig();
    config.size.budget = '1.8kB';
    config.size.platformBudgets = { 'linux/arm64': '1kB' };
    config.size.maxGrowth = '10%';
    const [amd, arm, s390x] = sizeChecks(report, budgetsFromConfig(config));
    assert.equal(amd.verdict, 'problem');
    assert.deepEqual(
      amd.findings.map((f) => f.rule),
      ['size-growth'],
    );
    assert.match(
      amd.findings[0].message,
      /grew \+200 B \(\+13\.3%\) since v1\.0\.0, to 1\.7 kB: over the growth budget of 10% \(size\.maxGrowth: 150 B of 1\.5 kB\)/,
    );
    assert.equal(arm.verdict, 'problem');
    assert.match(
      arm.findings[0].message,
      /linux\/arm64 is 1\.4 kB compressed, over its budget of 1kB \(size\.platformBudgets\.linux\/arm64\) by 450 B/,
    );
    assert.equal(s390x.verdict, 'pass');
    assert.match(s390x.findings[0].message, /growth budget 10% not checked: v1\.0\.0 has no linux\/s390x/);
    const none = sizeChecks(report, budgetsFromConfig(defaultConfig()));
    assert.deepEqual(
      none.map((r) => r.verdict),
      ['nothing-checked', 'nothing-checked', 'nothing-checked'],
    );
    assert.ok(none[0].next?.[0].text.includes('"budget": "150MB"'));
  });
});
