import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { lintText } from '../../../src/core/lint/engine';
import { applyEdits } from '../../../src/core/lint/fix';
import { fileKind } from '../../../src/core/lint/kind';
import type { Finding } from '../../../src/core/lint/types';
import { FIXTURES } from '../../helpers/paths';

const OPTIONS = { requiredPlatforms: ['linux/amd64', 'linux/arm64'], severities: {} };
const read = (rel: string) => readFileSync(path.join(FIXTURES, 'lint', rel), 'utf8');
const lint = (rel: string, text = read(rel)) => lintText({ file: rel, text, kind: fileKind(rel, true)! }, OPTIONS);

/** Applies the one fix of `ruleId` in a corpus file; returns the new text and the findings after it. */
function fixed(rel: string, ruleId: string, nth = 0): { text: string; before: Finding; after: Finding[] } {
  const before = lint(rel).filter((f) => f.ruleId === ruleId)[nth];
  assert.ok(before?.fix, `${rel}: expected a fixable ${ruleId}`);
  const text = applyEdits(read(rel), before.fix.edits);
  assert.notEqual(text, read(rel));
  return { text, before, after: lint(rel, text) };
}

describe('lint quick fixes', () => {
  it('RO-D001 pins a builder whose tag comes from a build argument (rust:${RUST_VERSION} -> -bookworm)', () => {
    const { text, after } = fixed('dockerfiles/Dockerfile.rust-drift', 'RO-D001');
    assert.match(text, /^FROM --platform=\$BUILDPLATFORM rust:\$\{RUST_VERSION\}-bookworm AS builder$/m);
    assert.deepEqual(
      after.map((f) => f.ruleId),
      [],
    );
  });

  it('RO-D001 swaps the release in a literal tag (golang:1.25-trixie -> golang:1.25-bookworm)', () => {
    const { text, after } = fixed('dockerfiles/Dockerfile.go-trixie-builder', 'RO-D001');
    assert.match(text, /^FROM golang:1\.25-bookworm AS build$/m);
    assert.deepEqual(after, []);
  });

  it("RO-D001 pins ubuntu:24.04 to the runtime's 22.04", () => {
    const { text, after } = fixed('dockerfiles/Dockerfile.ubuntu-drift', 'RO-D001');
    assert.match(text, /^FROM ubuntu:22\.04 AS build$/m);
    assert.deepEqual(after, []);
  });

  it('RO-D001 offers no fix where none is mechanical (glibc into musl, release inside an ARG)', () => {
    for (const rel of ['dockerfiles/Dockerfile.alpine-runtime', 'dockerfiles/Dockerfile.arg-builder']) {
      const f = lint(rel).find((x) => x.ruleId === 'RO-D001');
      assert.ok(f, rel);
      assert.equal(f.fix, undefined, rel);
    }
  });

  it('RO-D002 pins both unpinned images to what they resolve to today', () => {
    const first = fixed('dockerfiles/Dockerfile.unpinned', 'RO-D002', 0);
    assert.match(first.text, /^FROM golang:1\.22-bookworm AS build$/m);
    const second = applyEdits(
      first.text,
      lint('dockerfiles/Dockerfile.unpinned', first.text).find((f) => f.ruleId === 'RO-D002')!.fix!.edits,
    );
    assert.match(second, /^FROM debian:trixie-slim$/m);
    assert.deepEqual(lint('dockerfiles/Dockerfile.unpinned', second), []);
  });

  it('RO-D003 inserts a non-root USER before the ENTRYPOINT', () => {
    const { text, after } = fixed('dockerfiles/Dockerfile.root-runtime', 'RO-D003');
    assert.match(text, /USER 65532:65532\nENTRYPOINT \["\/usr\/local\/bin\/cli"\]/);
    assert.deepEqual(
      after.map((f) => f.ruleId),
      ['RO-D004'],
    );
  });

  it('RO-D006 converts a plain shell-form ENTRYPOINT to exec form, and not one the shell would interpret', () => {
    const { text, after } = fixed('dockerfiles/Dockerfile.shell-form', 'RO-D006');
    assert.match(text, /^ENTRYPOINT \["\/app", "--port", "8080"\]$/m);
    assert.deepEqual(
      after.map((f) => f.ruleId),
      ['RO-D004'],
    );
    const shelly = lintText(
      { file: 'Dockerfile', kind: 'dockerfile', text: 'FROM debian:bookworm-slim\nUSER 1\nCMD /app --port $PORT\n' },
      OPTIONS,
    );
    assert.equal(shelly.find((f) => f.ruleId === 'RO-D006')?.fix, undefined);
  });

  it('RO-W004 appends the missing platform inside the quotes of platforms:', () => {
    const { text, after } = fixed('workflows/missing-platform.yml', 'RO-W004');
    assert.match(text, /platforms: "linux\/amd64,linux\/arm64"\n/);
    // arm64 on an amd64 runner now needs QEMU: the next rule speaks up, as it should.
    assert.deepEqual(
      after.map((f) => f.ruleId),
      ['RO-W005'],
    );
  });

  it('RO-W005 inserts a QEMU step before the build, indented like its neighbours', () => {
    const { text, after } = fixed('workflows/qemu-missing.yml', 'RO-W005');
    assert.match(
      text,
      /\n {6}- name: Set up QEMU\n {8}uses: docker\/setup-qemu-action@v3\n {6}- uses: docker\/build-push-action@/,
    );
    assert.deepEqual(
      after.map((f) => f.ruleId),
      ['RO-W008'],
    );
  });

  it('every fix in the corpus leaves a file that still parses and removes its own finding', () => {
    const corpus = [
      'dockerfiles/Dockerfile.rust-drift',
      'dockerfiles/Dockerfile.go-trixie-builder',
      'dockerfiles/Dockerfile.ubuntu-drift',
      'dockerfiles/Dockerfile.unpinned',
      'dockerfiles/Dockerfile.root-runtime',
      'dockerfiles/Dockerfile.shell-form',
      'workflows/missing-platform.yml',
      'workflows/qemu-missing.yml',
      'workflows/matrix-per-platform.yml',
    ];
    let count = 0;
    for (const rel of corpus) {
      for (const f of lint(rel).filter((x) => x.fix)) {
        count++;
        const after = lint(rel, applyEdits(read(rel), f.fix!.edits));
        assert.ok(!after.some((a) => a.ruleId.endsWith('000')), `${rel}: ${f.ruleId} fix broke the syntax`);
        assert.ok(
          !after.some((a) => a.ruleId === f.ruleId && a.region.line === f.region.line && a.message === f.message),
          `${rel}: ${f.ruleId} still reported after its fix`,
        );
      }
    }
    assert.ok(count >= 10, `expected at least 10 fixes in the corpus, saw ${count}`);
  });
});
