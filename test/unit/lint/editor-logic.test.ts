import assert from 'node:assert/strict';
import { lintText } from '../../../src/core/lint/engine';
import {
  Debouncer,
  findingFor,
  hoverMarkdown,
  lintKindFor,
  toRange0,
  type Timers,
} from '../../../src/extension/lint/logic';

/** Timers run by hand, so debouncing is tested without waiting. */
function manualTimers() {
  const queue = new Map<number, () => void>();
  let next = 0;
  const timers: Timers = { set: (fn) => (queue.set(++next, fn), next), clear: (h) => void queue.delete(h as number) };
  return {
    timers,
    flush: () => [...queue.entries()].forEach(([k, fn]) => (queue.delete(k), fn())),
    pending: () => queue.size,
  };
}

describe('lint editor logic', () => {
  it('lints Dockerfiles and .github/workflows files on disk only', () => {
    assert.equal(lintKindFor({ scheme: 'file', fsPath: '/r/Dockerfile' }), 'dockerfile');
    assert.equal(lintKindFor({ scheme: 'file', fsPath: '/r/build/Dockerfile.prod' }), 'dockerfile');
    assert.equal(lintKindFor({ scheme: 'file', fsPath: '/r/app.dockerfile' }), 'dockerfile');
    assert.equal(lintKindFor({ scheme: 'file', fsPath: '/r/.github/workflows/release.yaml' }), 'workflow');
    assert.equal(lintKindFor({ scheme: 'file', fsPath: '/r/docker-compose.yml' }), undefined);
    assert.equal(lintKindFor({ scheme: 'file', fsPath: '/r/.github/dependabot.yml' }), undefined);
    assert.equal(lintKindFor({ scheme: 'git', fsPath: '/r/Dockerfile' }), undefined);
  });

  it('debounces per document: only the last change of a burst lints, other documents are independent', () => {
    const t = manualTimers();
    const d = new Debouncer(300, t.timers);
    const ran: string[] = [];
    d.schedule('a', () => ran.push('a1'));
    d.schedule('a', () => ran.push('a2'));
    d.schedule('b', () => ran.push('b1'));
    assert.equal(t.pending(), 2);
    t.flush();
    assert.deepEqual(ran, ['a2', 'b1']);
    d.schedule('a', () => ran.push('a3'));
    d.dispose();
    t.flush();
    assert.deepEqual(ran, ['a2', 'b1']);
  });

  it('hover shows the rule, the occurrence and the incident explanation at the finding, nothing elsewhere', () => {
    const findings = lintText(
      {
        file: 'Dockerfile',
        kind: 'dockerfile',
        text: 'FROM ubuntu:24.04 AS b\nRUN make\nFROM ubuntu:22.04\nUSER 1\nCOPY --from=b /x /x\n',
      },
      { requiredPlatforms: [], severities: {} },
    );
    assert.equal(findings.length, 1);
    const r = toRange0(findings[0].region);
    assert.deepEqual(r, { startLine: 0, startCharacter: 5, endLine: 0, endCharacter: 17 });
    const md = hoverMarkdown(findings, 0, 8)!;
    assert.match(md, /\*\*RO-D001: A binary built on a newer C library is copied into an older/);
    assert.match(md, /GLIBC_2\.38' not found/);
    assert.match(md, /Quick fix available: \*Pin the builder to ubuntu 22\.04\*/);
    assert.equal(hoverMarkdown(findings, 1, 0), undefined);
    assert.equal(findingFor(findings, 'RO-D001', r), findings[0]);
    assert.equal(findingFor(findings, 'RO-D002', r), undefined);
  });
});
