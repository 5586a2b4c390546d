import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { pack } from 'tar-stream';
import { readConfigFile, validateOverrides, CONFIG_FILE } from '../../../src/core/config/load';
import { ElfFormatError, parseElf } from '../../../src/core/elf';
import { applyLayer, decompress, ImageFs } from '../../../src/core/image';
import { lintText } from '../../../src/core/lint/engine';
import { FOREIGN, fixtureFile } from '../../helpers/elf-fixtures';
import { assertNamedError, fuzz, FUZZ_RUNS, mutated, mutatedText } from '../../helpers/fuzz';
import { ARTIFACTS, FIXTURES } from '../../helpers/paths';

const LINT_OPTIONS = { requiredPlatforms: ['linux/amd64', 'linux/arm64'], severities: {} };

function corpus(dir: string, keep: (f: string) => boolean): string[] {
  const files = readdirSync(dir).filter(keep);
  assert.ok(files.length > 0, `no seed files in ${dir}`);
  return files.map((f) => readFileSync(path.join(dir, f), 'utf8'));
}

async function tarOf(
  entries: Array<{ name: string; body?: Buffer; type?: 'file' | 'symlink' | 'link' | 'directory'; linkname?: string }>,
): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const e of entries) {
    const header = {
      name: e.name,
      type: e.type ?? 'file',
      linkname: e.linkname,
      mode: 0o755,
      mtime: new Date(0),
    } as const;
    if (e.type && e.type !== 'file') p.entry(header);
    else p.entry(header, e.body ?? Buffer.alloc(0));
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

describe('fuzz: file parsers (bounded, fast-check)', function () {
  this.timeout(120_000);

  it('ELF: mutated real files of four architectures parse or fail with an ElfFormatError naming the file', () => {
    const seeds = [
      '/bin/true',
      `${FOREIGN}/coreutils_arm64/bin/true`,
      `${FOREIGN}/coreutils_s390x/bin/true`,
      `${FOREIGN}/busybox_i386/bin/busybox`,
    ].map((f) => readFileSync(fixtureFile(f)));
    fuzz('ELF', mutated(seeds), (bytes, name) => {
      try {
        const info = parseElf(bytes, name);
        assert.ok(Array.isArray(info.needed ?? []), 'a parsed file has its tables');
      } catch (e) {
        assert.ok(e instanceof ElfFormatError, `not an ElfFormatError: ${String(e)}`);
        assert.equal(e.file, name);
        assertNamedError(e, name);
      }
    });
  });

  it('ELF: random header fields (counts, offsets, sizes) never make the reader allocate or loop without bound', () => {
    const seed = readFileSync('/bin/true');
    // e_phoff (32, 8 bytes), e_shoff (40, 8), e_phentsize (54, 2), e_phnum (56, 2), e_shnum (60, 2), e_shstrndx (62, 2)
    const fields = fc.record({
      off: fc.constantFrom(32, 40, 54, 56, 58, 60, 62),
      value: fc.oneof(fc.constantFrom(0, 1, 0xffff, 0x7fff), fc.nat({ max: 0xffff })),
    });
    fuzz('ELF header fields', fc.array(fields, { minLength: 1, maxLength: 4 }), (edits, name) => {
      const b = Buffer.from(seed);
      for (const { off, value } of edits) b.writeUInt16LE(value, off);
      try {
        parseElf(b, name);
      } catch (e) {
        assertNamedError(e, name);
      }
    });
  });

  it('Dockerfiles: mutated real ones never throw and never break a rule; a broken file gets one finding', () => {
    const seeds = corpus(path.join(FIXTURES, 'lint', 'dockerfiles'), (f) => !f.endsWith('.json'));
    fuzz('Dockerfile', mutatedText(seeds), (text) => {
      const errors: Array<[string, unknown]> = [];
      const out = lintText({ file: 'Dockerfile', kind: 'dockerfile', text }, LINT_OPTIONS, (id, e) =>
        errors.push([id, e]),
      );
      assert.deepEqual(errors, [], `rule errors on:\n${text}`);
      const parse = out.filter((f) => f.ruleId === 'RO-D000');
      if (parse.length) assert.equal(out.length, 1);
      for (const f of out) assert.ok(f.region.line >= 1 && f.region.column >= 1, JSON.stringify(f));
    });
  });

  it('workflow YAML: mutated real ones never throw and never break a rule', () => {
    const seeds = corpus(path.join(FIXTURES, 'lint', 'workflows'), (f) => /\.ya?ml$/.test(f));
    fuzz('workflow YAML', mutatedText(seeds), (text) => {
      const errors: Array<[string, unknown]> = [];
      const out = lintText({ file: '.github/workflows/release.yml', kind: 'workflow', text }, LINT_OPTIONS, (id, e) =>
        errors.push([id, e]),
      );
      assert.deepEqual(errors, [], `rule errors on:\n${text}`);
      for (const f of out) assert.ok(f.region.line >= 1, JSON.stringify(f));
    });
  });

  it('the config file: mutated real configs and arbitrary JSON load or fail with a usage error naming the file', async () => {
    const valid = JSON.stringify(
      {
        image: 'ghcr.io/o/n',
        requiredPlatforms: ['linux/amd64'],
        registry: { concurrency: 4, retries: 2 },
        smoke: { port: 8080, env: { A: 'b' } },
        lint: { rules: { 'RO-D001': 'off' } },
        tags: { imagePrefix: '' },
      },
      null,
      2,
    );
    // Synchronous part: the validator on arbitrary values.
    fuzz('config (values)', fc.jsonValue({ maxDepth: 4 }), (value, name) => {
      try {
        validateOverrides(value, name);
      } catch (e) {
        assertNamedError(e, name);
        assert.equal((e as { kind?: string }).kind, 'usage');
      }
    });
    // The file path through readConfigFile, on mutated text.
    mkdirSync(ARTIFACTS, { recursive: true });
    const dir = mkdtempSync(path.join(ARTIFACTS, 'fuzz-config-'));
    try {
      const samples = fc.sample(mutatedText([valid]), { numRuns: FUZZ_RUNS });
      for (const text of samples) {
        writeFileSync(path.join(dir, CONFIG_FILE), text);
        try {
          await readConfigFile(dir);
        } catch (e) {
          assertNamedError(e, path.join(dir, CONFIG_FILE));
        }
      }
      const { recordFigure } = await import('../../helpers/figures');
      recordFigure('fuzz', 'config (file)', { inputs: samples.length });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('image layers: mutated tar and tar.gz layers apply or fail with a check error naming the layer', async () => {
    const elf = readFileSync('/bin/true');
    const tar = await tarOf([
      { name: 'usr/', type: 'directory' },
      { name: 'usr/bin/app', body: elf },
      { name: 'usr/bin/.wh.old' },
      { name: 'bin', type: 'symlink', linkname: 'usr/bin' },
      { name: 'etc/ld.so.conf', body: Buffer.from('include /etc/ld.so.conf.d/*.conf\n') },
    ]);
    const samples = fc.sample(fc.tuple(mutated([tar, gzipSync(tar)]), fc.boolean()), { numRuns: FUZZ_RUNS });
    let i = 0;
    for (const [bytes] of samples) {
      const what = `fuzz layer ${++i}`;
      const fs = new ImageFs();
      try {
        await applyLayer(fs, decompress(Readable.from([bytes]), 'auto'), 0, what);
      } catch (e) {
        assertNamedError(e, what);
      }
      for (const p of fs.entries.keys())
        assert.ok(p.startsWith('/') && !p.split('/').includes('..'), `path ${p} escapes the image root`);
    }
    const { recordFigure } = await import('../../helpers/figures');
    recordFigure('fuzz', 'image layer (tar, tar.gz)', { inputs: samples.length });
  });
});
