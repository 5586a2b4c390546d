import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { pack } from 'tar-stream';
import { ReleaseOperatorError } from '../../../src/core/errors';
import { checkImageFs } from '../../../src/core/glibc';
import {
  ImageFs,
  applyLayer,
  imageFromArchive,
  readLayers,
  readSavedArchive,
  MAX_JSON_BYTES,
  type LayerSource,
} from '../../../src/core/image';
import { assertNamedError, FUZZ_RUNS, mutated } from '../../helpers/fuzz';
import { bookwormRuntime, layerStream, tarOf } from '../../helpers/image-layers';

/** An outer archive entry: bytes, or a symlink to another entry (as docker save links a shared layer). */
type OuterEntry = { name: string; body: Buffer } | { name: string; symlink: string } | { name: string; dir: true };

async function archiveOf(entries: OuterEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const e of entries) {
    if ('body' in e) p.entry({ name: e.name, mode: 0o644 }, e.body);
    else if ('symlink' in e) p.entry({ name: e.name, type: 'symlink', linkname: e.symlink });
    else p.entry({ name: e.name, type: 'directory', mode: 0o755 });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** Feeds bytes in small pieces, so an entry's first bytes arrive split as they do from a pipe. */
const trickle = (b: Buffer, size = 1000) =>
  Readable.from(Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size)));

/** Everything the checks read of a filesystem, for comparing two readers. */
function snapshot(fs: ImageFs): string[] {
  return [...fs.entries]
    .map(
      ([p, e]) =>
        `${p} ${e.type} ${e.size} ${e.layer} ${e.target ?? ''} ${e.elf ? `elf:${e.elf.needed.join(',')}:${e.elf.versionNeeds.length}` : ''} ${e.text ? 'text' : ''} ${e.shebang ?? ''}`,
    )
    .sort();
}

async function reference(layers: Buffer[]): Promise<ImageFs> {
  const fs = new ImageFs();
  for (const [i, l] of layers.entries()) await applyLayer(fs, layerStream(l), i, `layer ${i}`);
  return fs;
}

const CONFIG = {
  architecture: 'amd64',
  os: 'linux',
  config: { Entrypoint: ['/usr/local/bin/app'], Env: ['PATH=/usr/local/bin:/usr/bin:/bin'] },
  rootfs: { type: 'layers', diff_ids: [] as string[] },
};

describe('docker save archives read as they stream (manifest.json last, both layouts)', function () {
  this.timeout(60_000);
  let layers: Buffer[];
  let expected: string[];

  before(async () => {
    layers = [
      await tarOf(bookwormRuntime()),
      await tarOf([
        { path: '/usr/local/bin/app', from: '/usr/bin/wc' },
        { path: '/usr/local/bin/old', from: '/usr/bin/wc' },
        { path: '/opt/data/keep', text: 'kept below' },
        { path: '/usr/local/bin/start', text: '#!/usr/local/bin/app --serve\n' },
      ]),
      await tarOf([
        { path: '/usr/local/bin/.wh.old', text: '' },
        { path: '/opt/data/.wh..wh..opq', text: '' },
        { path: '/opt/data/new', text: 'new' },
        { path: '/usr/local/bin/app2', hardlink: '/usr/local/bin/app' },
        { path: '/usr/lib/x86_64-linux-gnu/libc-link.so.6', hardlink: '/usr/lib/x86_64-linux-gnu/libc.so.6' },
      ]),
    ];
    expected = snapshot(await reference(layers));
    // What the reference itself says, so the comparisons below compare something meaningful.
    assert.ok(
      expected.some((l) => l.startsWith('/usr/local/bin/app2 file') && l.includes('elf:')),
      "a hard link to a lower layer's ELF file is that file",
    );
    assert.ok(!expected.some((l) => l.startsWith('/usr/local/bin/old ')), 'the whiteout removed old');
    assert.ok(!expected.some((l) => l.startsWith('/opt/data/keep ')), 'the opaque folder hid keep');
  });

  /** Docker 20.10's layout: `<v1 id>/layer.tar` folders in name order (not layer order), config, manifest.json last. */
  function legacy(ls: Buffer[] = layers, extra: OuterEntry[] = []): OuterEntry[] {
    const ids = ['c'.repeat(64), 'a'.repeat(64), 'b'.repeat(64)];
    const config = json({ ...CONFIG, rootfs: { type: 'layers', diff_ids: ls.map((l) => `sha256:${sha(l)}`) } });
    const cfg = `${sha(config)}.json`;
    const folders = ls.map((l, i) => ({ id: ids[i], l })).sort((x, y) => (x.id < y.id ? -1 : 1));
    return [
      ...folders.flatMap(({ id, l }): OuterEntry[] => [
        { name: `${id}/`, dir: true },
        { name: `${id}/VERSION`, body: Buffer.from('1.0') },
        { name: `${id}/json`, body: json({ id }) },
        { name: `${id}/layer.tar`, body: l },
      ]),
      { name: cfg, body: config },
      ...extra,
      {
        name: 'manifest.json',
        body: json([{ Config: cfg, RepoTags: ['test:1'], Layers: ls.map((_, i) => `${ids[i]}/layer.tar`) }]),
      },
      { name: 'repositories', body: json({ test: { '1': ids[ls.length - 1] } }) },
    ];
  }

  it('the legacy layout (Docker 20.10): layers in name order, manifest.json after them, fed in small pieces', async () => {
    const bytes = await archiveOf(legacy());
    const archive = await readSavedArchive(trickle(bytes), 'docker save of test:1');
    const names = [...archive.parts.keys()];
    assert.ok(names.indexOf('manifest.json') > names.indexOf('c'.repeat(64) + '/layer.tar'), 'manifest.json came last');
    assert.equal(archive.parts.get('aaaa'.repeat(16) + '/VERSION')?.kind, 'other', 'VERSION is skipped, not kept');
    const { config, fs } = imageFromArchive(archive);
    assert.deepEqual(snapshot(fs), expected);
    assert.deepEqual(config.config?.Entrypoint, ['/usr/local/bin/app']);
    const r = await checkImageFs({ fs, platform: 'linux/amd64', source: 'test:1', config, paths: [] });
    assert.equal(r.ok, true, JSON.stringify(r.binaries.map((b) => b.findings)));
    assert.equal(r.provided, '2.36');
  });

  it("the OCI layout (Docker 25+): blobs by digest (one gzip'd), index.json and manifest.json at the end", async () => {
    const blobs = layers.map((l, i) => (i === 1 ? gzipSync(l) : l));
    const config = json({ ...CONFIG, rootfs: { type: 'layers', diff_ids: layers.map((l) => `sha256:${sha(l)}`) } });
    const manifest = json({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: `sha256:${sha(config)}`,
        size: config.length,
      },
      layers: blobs.map((b, i) => ({
        mediaType: i === 1 ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.oci.image.layer.v1.tar',
        digest: `sha256:${sha(b)}`,
        size: b.length,
      })),
    });
    const all = [...blobs, config, manifest]
      .map((b) => ({ name: `blobs/sha256/${sha(b)}`, body: b }))
      .sort((x, y) => (x.name < y.name ? -1 : 1));
    const entries: OuterEntry[] = [
      { name: 'blobs/', dir: true },
      { name: 'blobs/sha256/', dir: true },
      ...all,
      {
        name: 'index.json',
        body: json({
          schemaVersion: 2,
          manifests: [
            {
              mediaType: 'application/vnd.oci.image.manifest.v1+json',
              digest: `sha256:${sha(manifest)}`,
              size: manifest.length,
            },
          ],
        }),
      },
      {
        name: 'manifest.json',
        body: json([
          {
            Config: `blobs/sha256/${sha(config)}`,
            RepoTags: ['test:1'],
            Layers: blobs.map((b) => `blobs/sha256/${sha(b)}`),
          },
        ]),
      },
      { name: 'oci-layout', body: json({ imageLayoutVersion: '1.0.0' }) },
    ];
    const archive = await readSavedArchive(trickle(await archiveOf(entries), 4096), 'docker save of test:1');
    assert.deepEqual(snapshot(imageFromArchive(archive).fs), expected);
    // Without Docker's manifest.json, index.json leads to the same image.
    const oci = await readSavedArchive(
      Readable.from([await archiveOf(entries.filter((e) => e.name !== 'manifest.json'))]),
      'oci archive',
    );
    assert.deepEqual(snapshot(imageFromArchive(oci).fs), expected);
  });

  it('an OCI index of several platforms (attestation left out): the asked platform, else the first image', async () => {
    const blob = (b: Buffer) => ({ name: `blobs/sha256/${sha(b)}`, body: b });
    const desc = (b: Buffer, extra: object = {}) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: `sha256:${sha(b)}`,
      size: b.length,
      ...extra,
    });
    const imageOf = (arch: string, ls: Buffer[]) => {
      const config = json({ ...CONFIG, architecture: arch });
      const manifest = json({
        schemaVersion: 2,
        config: { digest: `sha256:${sha(config)}` },
        layers: ls.map((l) => ({ digest: `sha256:${sha(l)}` })),
      });
      return { config, manifest, ls };
    };
    const arm = await tarOf([{ path: '/arm', text: 'arm64 only' }]);
    const amd = imageOf('amd64', layers);
    const arm64 = imageOf('arm64', [arm]);
    const attestation = json({ schemaVersion: 2, config: { digest: `sha256:${sha(Buffer.from('x'))}` }, layers: [] });
    const inner = json({
      schemaVersion: 2,
      manifests: [
        desc(attestation, {
          platform: { os: 'unknown', architecture: 'unknown' },
          annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
        }),
        desc(amd.manifest, { platform: { os: 'linux', architecture: 'amd64' } }),
        desc(arm64.manifest, { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }),
      ],
    });
    const entries: OuterEntry[] = [
      ...layers,
      arm,
      amd.config,
      amd.manifest,
      arm64.config,
      arm64.manifest,
      attestation,
      inner,
    ].map(blob);
    entries.push({
      name: 'index.json',
      body: json({
        schemaVersion: 2,
        manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: `sha256:${sha(inner)}` }],
      }),
    });
    const archive = await readSavedArchive(Readable.from([await archiveOf(entries)]), 'oci archive');
    const picked = imageFromArchive(archive, { platform: 'linux/arm64' });
    assert.equal(picked.config.architecture, 'arm64');
    assert.deepEqual([...picked.fs.entries.keys()].sort(), ['/', '/arm']);
    assert.deepEqual(
      snapshot(imageFromArchive(archive).fs),
      expected,
      'no platform asked: the first image (the attestation is not one)',
    );
  });

  it("a layer two images share (a symlink to the other folder's layer.tar) and a layer listed twice", async () => {
    const entries = legacy();
    const a = 'a'.repeat(64);
    const shared = entries.map((e) =>
      e.name === `${a}/layer.tar` ? { name: e.name, symlink: `../${'d'.repeat(64)}/layer.tar` } : e,
    );
    shared.unshift({ name: `${'d'.repeat(64)}/layer.tar`, body: layers[1] });
    const archive = await readSavedArchive(Readable.from([await archiveOf(shared)]), 'docker save of test:1');
    assert.deepEqual(snapshot(imageFromArchive(archive).fs), expected);
    // The same layer twice: applied twice, as the engine would.
    const twice = legacy([layers[0], layers[1], layers[1]]);
    const fs2 = imageFromArchive(await readSavedArchive(Readable.from([await archiveOf(twice)]), 'x')).fs;
    assert.deepEqual(snapshot(fs2), snapshot(await reference([layers[0], layers[1], layers[1]])));
  });

  it('the image whose config matches the image id is the one read when manifest.json lists several', async () => {
    const entries = legacy();
    const manifest = entries.find((e) => e.name === 'manifest.json') as { name: string; body: Buffer };
    const [only] = JSON.parse(manifest.body.toString()) as Array<{ Config: string; Layers: string[] }>;
    const other = json({ ...CONFIG, architecture: 'arm64' });
    manifest.body = json([{ Config: `${sha(other)}.json`, Layers: [only.Layers[0]] }, only]);
    entries.unshift({ name: `${sha(other)}.json`, body: other });
    const archive = await readSavedArchive(Readable.from([await archiveOf(entries)]), 'x');
    assert.equal(imageFromArchive(archive).config.architecture, 'arm64', 'without an id: the first');
    const byId = imageFromArchive(archive, { imageId: `sha256:${only.Config.replace('.json', '')}` });
    assert.equal(byId.config.architecture, 'amd64');
    assert.deepEqual(snapshot(byId.fs), expected);
  });

  it('entries that are neither tar nor small JSON are skipped unread; a garbled layer fails only when it is used', async () => {
    const noise = randomBytes(3 * 1024 * 1024);
    noise[0] = 0x00; // not '{', not gzip, not a tar header (its checksum does not match)
    const garbled = Buffer.concat([layers[1].subarray(0, 512), Buffer.alloc(4096, 0x41)]);
    const archive = await readSavedArchive(
      Readable.from([
        await archiveOf(
          legacy(layers, [
            { name: 'noise.bin', body: noise },
            { name: 'spare/layer.tar', body: garbled },
          ]),
        ),
      ]),
      'docker save of test:1',
    );
    assert.deepEqual(archive.parts.get('noise.bin'), { kind: 'other', size: noise.length });
    assert.equal(archive.parts.get('spare/layer.tar')?.kind, 'broken');
    assert.deepEqual(snapshot(imageFromArchive(archive).fs), expected, 'unused entries do not matter');

    const entries = legacy().map((e) =>
      e.name === `${'a'.repeat(64)}/layer.tar` ? { name: e.name, body: garbled } : e,
    );
    const bad = await readSavedArchive(Readable.from([await archiveOf(entries)]), 'docker save of test:1');
    assert.throws(
      () => imageFromArchive(bad),
      (e: ReleaseOperatorError) =>
        e.kind === 'check' &&
        /^The docker save of test:1: layer 2 of 3 \(a{64}\/layer\.tar\) is not a readable layer \(.+\)\.$/.test(
          e.message,
        ) &&
        Boolean(e.hint),
    );
  });

  it('a save cut short or garbled is a clear error naming the image, never a crash', async () => {
    const bytes = await archiveOf(legacy());
    for (const cut of [100, 700, Math.floor(bytes.length / 2), bytes.length - 3000]) {
      await assert.rejects(
        readSavedArchive(trickle(bytes.subarray(0, cut), 8192), 'docker save of test:1'),
        (e: ReleaseOperatorError) => {
          return (
            e instanceof ReleaseOperatorError &&
            e.kind === 'environment' &&
            /^The docker save of test:1 is cut short or not a tar archive \(.+\)\.$/.test(e.message)
          );
        },
      );
    }
    const garbage = Buffer.concat([bytes.subarray(0, 2048), Buffer.alloc(8192, 0xaa)]);
    await assert.rejects(
      readSavedArchive(Readable.from([garbage]), 'docker save of test:1'),
      (e: ReleaseOperatorError) => e.kind === 'environment' && /test:1/.test(e.message),
    );
    // A stream that errors (the pipe broke) is the same kind of failure.
    const broken = new Readable({ read() {} });
    broken.push(bytes.subarray(0, 5000));
    setImmediate(() => broken.destroy(new Error('EPIPE')));
    await assert.rejects(
      readSavedArchive(broken, 'docker save of test:1'),
      (e: ReleaseOperatorError) => e.kind === 'environment' && /EPIPE/.test(e.message),
    );
  });

  it('an archive without a manifest, with a missing layer or with oversized JSON says which', async () => {
    const read = async (entries: OuterEntry[]) =>
      readSavedArchive(Readable.from([await archiveOf(entries)]), 'docker save of test:1');
    const none = await read(legacy().filter((e) => e.name !== 'manifest.json'));
    assert.throws(() => imageFromArchive(none), /has neither manifest\.json nor index\.json/);
    const missing = await read(legacy().filter((e) => e.name !== `${'b'.repeat(64)}/layer.tar`));
    assert.throws(() => imageFromArchive(missing), /layer 3 of 3 \(b{64}\/layer\.tar\) is missing from the archive/);
    const entries = legacy();
    const cfg = entries.find((e) => e.name.endsWith('.json') && e.name !== 'manifest.json') as {
      name: string;
      body: Buffer;
    };
    cfg.body = Buffer.concat([Buffer.from('{"pad":"'), Buffer.alloc(MAX_JSON_BYTES, 0x61), Buffer.from('"}')]);
    const big = await read(entries);
    assert.throws(
      () => imageFromArchive(big),
      (e: ReleaseOperatorError) =>
        e.kind === 'check' && /is not a JSON document \(JSON larger than \d+ bytes\)/.test(e.message),
    );
    const loop = await read([
      ...legacy().filter((e) => !e.name.startsWith('a'.repeat(64))),
      { name: `${'a'.repeat(64)}/layer.tar`, symlink: 'layer.tar' },
    ]);
    assert.throws(() => imageFromArchive(loop), /loop of links/);
  });

  it("hostile entry names are keys only: .. and absolute names stay inside the archive's own namespace", async () => {
    const config = json(CONFIG);
    const archive = await readSavedArchive(
      Readable.from([
        await archiveOf([
          { name: '../../../../tmp/ro-escape/layer.tar', body: layers[0] },
          { name: '/etc/ro-escape.json', body: config },
          {
            name: 'manifest.json',
            body: json([{ Config: '/etc/ro-escape.json', Layers: ['../../tmp/ro-escape/layer.tar'] }]),
          },
        ]),
      ]),
      'hostile',
    );
    assert.deepEqual([...archive.parts.keys()].sort(), [
      'etc/ro-escape.json',
      'manifest.json',
      'tmp/ro-escape/layer.tar',
    ]);
    assert.deepEqual(snapshot(imageFromArchive(archive).fs), snapshot(await reference([layers[0]])));
  });

  it('fuzz: mutated archives give the image or a named error, never a crash', async () => {
    const seed = await archiveOf(
      legacy([
        await tarOf([
          { path: '/bin/true', from: '/bin/true' },
          { path: '/etc/.wh.x', text: '' },
        ]),
      ]),
    );
    for (const bytes of fc.sample(mutated([seed]), { numRuns: Math.min(FUZZ_RUNS, 100) })) {
      try {
        const fs = imageFromArchive(await readSavedArchive(Readable.from([bytes]), 'fuzz archive')).fs;
        for (const p of fs.entries.keys()) assert.ok(p.startsWith('/') && !p.split('/').includes('..'));
      } catch (e) {
        assertNamedError(e, 'fuzz archive');
      }
    }
  });
});

describe("registry layers read a few at a time, applied in the image's order", () => {
  const source = (what: string, bytes: Buffer, gate?: Promise<void>): LayerSource => ({
    what,
    compression: 'auto',
    open: async () => {
      await gate;
      return Readable.from([bytes]);
    },
  });

  it('a lower layer that arrives last is still applied first', async () => {
    const ls = [
      await tarOf([
        { path: '/a', text: 'lower' },
        { path: '/gone', text: 'x' },
      ]),
      await tarOf([
        { path: '/.wh.gone', text: '' },
        { path: '/a', hardlink: '/gone' },
      ]),
    ];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const top = source('top', ls[1]);
    const fs = await readLayers('test', [
      source('bottom', ls[0], gate),
      { ...top, open: async (s) => (release(), top.open(s)) },
    ]);
    assert.deepEqual(snapshot(fs), snapshot(await reference(ls)));
  });

  it('the first layer that fails is the error (named), and the others are stopped', async () => {
    const good = await tarOf([{ path: '/a', text: 'x' }]);
    let stoppedSignal: AbortSignal | undefined;
    const endless: LayerSource = {
      what: 'endless',
      compression: 'none',
      open: async (signal) => {
        stoppedSignal = signal;
        return new Readable({ read() {} }); // never ends: only the stop ends it
      },
    };
    await assert.rejects(
      readLayers('test:1', [source('good', good), endless, source('sha256:bad', Buffer.alloc(2048, 0x41))]),
      (e: ReleaseOperatorError) => {
        return e.kind === 'check' && /^test:1 layer 3 \(sha256:bad\): not a readable layer/.test(e.message);
      },
    );
    assert.equal(stoppedSignal?.aborted, true);
  });
});
