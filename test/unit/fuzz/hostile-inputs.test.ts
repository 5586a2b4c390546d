import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { pack } from 'tar-stream';
import { defaultConfig, validateOverrides } from '../../../src/core/config/load';
import { ElfFormatError, parseElf, parseElfChunks, readElfFile, type ElfInfo } from '../../../src/core/elf';
import { ReleaseOperatorError } from '../../../src/core/errors';
import { lineBudget, logLines } from '../../../src/core/github/logs';
import { parseWorkflow } from '../../../src/core/github/workflows';
import { readLayer, type LayerOp } from '../../../src/core/image';
import { markdownText, neutralize, neutralizeBlock, neutralizeJson } from '../../../src/core/neutralize';
import { formatReference, nextLink, parseChallenge, parseReference } from '../../../src/core/registry';
import { tagPage } from '../../../src/core/registry/client';
import { FOREIGN, fixtureFile } from '../../helpers/elf-fixtures';
import { fuzz, fuzzAsync, mutated, mutatedText } from '../../helpers/fuzz';

/**
 * Properties of the parsers that take hostile input (issue #18's list, and what #24 added): each says what must hold
 * for any input. Never anything thrown but the typed user error (ReleaseOperatorError), never a hang (each input
 * ends within HANG_MS), and a round trip wherever one exists.
 */

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
// eslint-disable-next-line no-control-regex -- the same, newline and tab allowed
const CONTROL_IN_BLOCK = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

/** Text a hostile server would send: printable, controls, escape sequences, bidi marks, astral characters. */
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc
    .array(
      fc.constantFrom(
        '\u001b[2J',
        '\u001b]0;title\u0007',
        '\n',
        '\r',
        '\t',
        '\u0000',
        '\u009b',
        '\u202e',
        'ok',
        'é',
        '😀',
      ),
      { maxLength: 30 },
    )
    .map((a) => a.join('')),
);

const component = fc.stringMatching(/^[a-z0-9]+(?:[._-][a-z0-9]+){0,2}$/).filter((s) => s.length <= 30);
const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,40}$/);
const hex64 = fc.stringMatching(/^[a-f0-9]{64}$/);

describe('properties: parsers of hostile input (fast-check)', function () {
  this.timeout(120_000);

  it('neutralize: no control character survives, nothing outside is changed, a line stays one line', () => {
    fuzz('neutralize', hostileText, (text) => {
      const one = neutralize(text);
      assert.ok(!CONTROL.test(one), JSON.stringify(one));
      const block = neutralizeBlock(text);
      assert.ok(!CONTROL_IN_BLOCK.test(block), JSON.stringify(block));
      assert.equal(block.split('\n').length, text.replace(/\r\n/g, '\n').split('\n').length, 'lines kept');
      if (!CONTROL.test(text)) assert.equal(one, text, 'safe text is left as it is');
      const md = markdownText(text);
      assert.ok(!/[`*_[\]!<>&|~$]/.test(md.replace(/\\[\\`*_[\]!<>&|~$]/g, '')), `unescaped markup: ${md}`);
      assert.ok(!md.includes('\n'), 'one line');
    });
  });

  it('neutralizeJson: the printed JSON has no raw controls and parses back to the same value (round trip)', () => {
    fuzz(
      'neutralizeJson',
      fc.jsonValue({ maxDepth: 3 }).chain((v) => fc.constant(v)),
      (value) => {
        const printed = neutralizeJson(JSON.stringify({ v: value, s: '\u009b\u202e\u0000' }));
        assert.ok(!CONTROL.test(printed.replace(/\n/g, '')), printed);
        assert.deepEqual(JSON.parse(printed), JSON.parse(JSON.stringify({ v: value, s: '\u009b\u202e\u0000' })));
      },
    );
  });

  it('image references generated from the grammar round-trip through format and parse; md5 digests are bad usage', () => {
    const ref = fc.record({
      registry: fc.constantFrom('ghcr.io', '127.0.0.1:5000', 'registry.example.test:443', 'localhost'),
      path: fc.array(component, { minLength: 1, maxLength: 3 }),
      tag: fc.option(tag, { nil: undefined }),
      digest: fc.option(
        hex64.map((h) => `sha256:${h}`),
        { nil: undefined },
      ),
    });
    fuzz('image reference round trip', ref, (r) => {
      const text = `${r.registry}/${r.path.join('/')}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
      const parsed = parseReference(text);
      assert.equal(formatReference(parsed), r.tag || r.digest ? text : `${text}:latest`);
      assert.deepEqual(parseReference(formatReference(parsed)), parsed);
    });
    assert.throws(
      () => parseReference(`ghcr.io/o/n@md5:${'a'.repeat(32)}`),
      (e: Error) => e instanceof ReleaseOperatorError && e.kind === 'usage',
    );
  });

  it('tag-list pages: any JSON gives valid tag names only, or an environment error; a valid page round-trips', () => {
    const page = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record({ name: fc.string(), tags: fc.array(fc.oneof(tag, fc.string(), fc.constant(null), fc.integer())) }),
    );
    fuzz('tag list page', page, (value) => {
      let tags: string[];
      try {
        tags = tagPage(Buffer.from(JSON.stringify(value) ?? 'null'), 'r.test', 'r.test/o/n');
      } catch (e) {
        assert.ok(e instanceof ReleaseOperatorError && e.kind === 'environment', String(e));
        return;
      }
      for (const t of tags) assert.match(t, /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/);
    });
    fuzz('tag list round trip', fc.array(tag, { maxLength: 50 }), (tags) => {
      assert.deepEqual(tagPage(Buffer.from(JSON.stringify({ name: 'o/n', tags })), 'r.test', 'o/n'), tags);
    });
  });

  it('WWW-Authenticate: a challenge written from parameters parses back to them (round trip), whatever their names', () => {
    const name = fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/);
    // eslint-disable-next-line no-control-regex -- values without control characters
    const value = fc.string({ maxLength: 40 }).filter((v) => !/[\u0000-\u001f]/.test(v));
    fuzz('WWW-Authenticate round trip', fc.dictionary(name, value, { maxKeys: 5 }), (params) => {
      const lower = Object.fromEntries(Object.entries(params).map(([k, v]) => [k.toLowerCase(), v]));
      if (Object.keys(lower).length !== Object.keys(params).length) return; // names that differ only in case
      const header = `Bearer ${Object.entries(params)
        .map(([k, v]) => `${k}="${v.replace(/["\\]/g, '\\$&')}"`)
        .join(',')}`;
      const c = parseChallenge(header);
      assert.equal(c?.scheme, 'bearer');
      assert.deepEqual({ ...c?.params }, lower);
    });
  });

  it('Link: the next URL among other links is found as written (round trip)', () => {
    const url = fc
      .tuple(fc.array(component, { minLength: 1, maxLength: 4 }), fc.option(tag, { nil: undefined }))
      .map(([p, last]) => `/v2/${p.join('/')}/tags/list?n=100${last ? `&last=${last}` : ''}`);
    fuzz('Link round trip', fc.tuple(url, url, fc.boolean()), ([next, prev, first]) => {
      const parts = [`<${next}>; rel="next"`, `<${prev}>; rel="prev"`];
      assert.equal(nextLink((first ? parts : parts.reverse()).join(', ')), next);
    });
  });

  describe('ELF files: the same answer however they are read', () => {
    const seeds = ['/bin/true', `${FOREIGN}/coreutils_arm64/bin/true`, `${FOREIGN}/busybox_i386/bin/busybox`].map((f) =>
      readFileSync(fixtureFile(f)),
    );
    const outcome = (f: () => ElfInfo): { info?: ElfInfo; error?: string } => {
      try {
        return { info: f() };
      } catch (e) {
        assert.ok(e instanceof ElfFormatError, `not an ElfFormatError: ${String(e)}`);
        return { error: e.message };
      }
    };

    it('mutated real binaries read in chunks of any size: the same result or the same ElfFormatError as whole', () => {
      fuzz(
        'ELF chunks',
        fc.tuple(mutated(seeds), fc.integer({ min: 1, max: 70_000 })),
        ([bytes, size]) => {
          const whole = outcome(() => parseElf(bytes, 'f'));
          const pieces: Array<{ offset: number; bytes: Buffer }> = [];
          for (let o = 0; o < bytes.length; o += size) pieces.push({ offset: o, bytes: bytes.subarray(o, o + size) });
          const chunked = outcome(() => parseElfChunks(pieces, bytes.length, 'f'));
          assert.deepEqual(chunked, whole);
        },
        150,
      );
    });

    it('mutated real binaries read only where the loader looks (short reads too): the same as read whole', async () => {
      await fuzzAsync(
        'ELF partial reads',
        fc.tuple(mutated(seeds), fc.integer({ min: 1, max: 9000 })),
        async ([bytes, most]) => {
          const whole = outcome(() => parseElf(bytes, 'f'));
          // A reader that never gives more than `most` bytes at once, as a slow file system may.
          const reader = {
            read: async (b: Buffer, off: number, len: number, pos: number) => {
              const n = Math.max(0, Math.min(len, most, bytes.length - pos));
              bytes.copy(b, off, pos, pos + n);
              return { bytesRead: n };
            },
          };
          let partial: { info?: ElfInfo; error?: string };
          try {
            partial = { info: await readElfFile(reader, bytes.length, 'f') };
          } catch (e) {
            assert.ok(e instanceof ElfFormatError, String(e));
            partial = { error: e.message };
          }
          assert.deepEqual(partial, whole);
        },
        100,
      );
    });
  });

  it('tar streams: the same ops however the stream is cut into chunks, or the same typed error', async () => {
    const p = pack();
    const chunks: Buffer[] = [];
    p.on('data', (c: unknown) => void chunks.push(c as Buffer));
    const done = new Promise<void>((r) => p.on('end', () => r()));
    p.entry({ name: 'usr/local/bin/app', mode: 0o755 }, readFileSync('/bin/true'));
    p.entry({ name: 'etc/ld.so.conf', mode: 0o644 }, 'include /etc/ld.so.conf.d/*.conf\n');
    p.entry({ name: 'bin/sh', type: 'symlink', linkname: '../usr/local/bin/app' });
    p.entry({ name: 'usr/.wh.gone', mode: 0o644 }, '');
    p.entry({ name: 'run.sh', mode: 0o755 }, '#!/bin/sh\nexec app\n');
    p.finalize();
    await done;
    const seed = Buffer.concat(chunks);
    const read = async (bytes: Buffer, size: number): Promise<{ ops?: LayerOp[]; error?: string }> => {
      const parts: Buffer[] = [];
      for (let o = 0; o < bytes.length; o += size) parts.push(bytes.subarray(o, o + size));
      try {
        return { ops: await readLayer(Readable.from(parts), 'layer') };
      } catch (e) {
        assert.ok(e instanceof ReleaseOperatorError, String(e));
        return { error: e.kind };
      }
    };
    await fuzzAsync(
      'tar chunks',
      fc.tuple(mutated([seed]), fc.integer({ min: 1, max: 5000 })),
      async ([bytes, size]) => {
        const whole = await read(bytes, bytes.length || 1);
        const chunked = await read(bytes, size);
        // ELF results compare by value; an error is compared by its kind.
        assert.deepEqual(JSON.parse(JSON.stringify(chunked)), JSON.parse(JSON.stringify(whole)));
      },
      150,
    );
  });

  it('workflow files (parse only): any text gives typed fields or an error field, never an exception', () => {
    const seeds = [
      'name: Release\non:\n  push:\n    tags: ["v*"]\n  workflow_dispatch:\n    inputs:\n      level:\n        type: choice\n        options: [a, b]\n        required: true\njobs: {}\n',
      'on: [push, release]\n',
      'on: workflow_dispatch\n',
    ];
    fuzz('workflow (github)', fc.oneof(mutatedText(seeds), hostileText), (text) => {
      const w = parseWorkflow('release.yml', text);
      assert.equal(typeof w.name, 'string');
      assert.ok(w.events.every((e) => typeof e === 'string'));
      for (const i of w.dispatchInputs ?? []) {
        assert.equal(typeof i.name, 'string');
        assert.ok(!i.options || i.options.every((o) => typeof o === 'string'));
      }
    });
  });

  it('the config: keys that name Object.prototype members are refused like any unknown key; the defaults round-trip', () => {
    const key = fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'image', 'smoke');
    fuzz('config keys', fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }), (obj) => {
      const text = JSON.stringify(obj);
      const parsed = JSON.parse(text.replace('"proto"', '"__proto__"')) as unknown;
      try {
        const out = validateOverrides(parsed, 'f.json');
        for (const k of Object.keys(out)) assert.ok(['image', 'smoke'].includes(k), k);
      } catch (e) {
        assert.ok(e instanceof ReleaseOperatorError && e.kind === 'usage', String(e));
      }
    });
    for (const k of ['__proto__', 'constructor', 'toString'])
      assert.throws(() => validateOverrides(JSON.parse(`{"${k}": {}}`), 'f.json'), new RegExp(`${k}: unknown key`));
    const defaults = JSON.parse(JSON.stringify(defaultConfig())) as unknown;
    assert.deepEqual(validateOverrides(defaults, 'f.json'), defaults);
  });

  it('log text: lines are safe, within the budget, and plain logs round-trip', () => {
    fuzz('log lines', fc.oneof(hostileText, fc.string({ maxLength: 500 })), (text) => {
      const budget = lineBudget(4096);
      const lines = logLines(text, budget);
      for (const l of lines) assert.ok(!CONTROL_IN_BLOCK.test(l) && !l.includes('\n'), JSON.stringify(l));
      assert.ok(lines.length <= 4096 / 32);
    });
    fuzz(
      'log lines round trip',
      fc.array(fc.stringMatching(/^[ -~]{0,80}$/), { minLength: 1, maxLength: 40 }),
      (lines) => {
        assert.deepEqual(logLines(lines.join('\n') + '\n'), lines);
      },
    );
    // A log of nothing but newlines is bounded by the budget, not split into millions of lines.
    const budget = lineBudget(1024 * 1024);
    assert.equal(logLines('\n'.repeat(10_000_000), budget).length, (1024 * 1024) / 32);
    assert.ok(budget.cut);
  });

  it('mutated text logs never throw', () => {
    fuzz('log lines (mutated)', mutatedText(['2024-05-01T10:00:30Z \u001b[36mok\u001b[0m\r\n##[group]x\n']), (t) => {
      logLines(t);
    });
  });
});
