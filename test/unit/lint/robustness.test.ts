import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseDockerfile } from '../../../src/core/lint/dockerfile/model';
import { lintText } from '../../../src/core/lint/engine';

const OPTIONS = { requiredPlatforms: ['linux/amd64', 'linux/arm64'], severities: {} };
const DOCKER_WORDS = [
  'FROM ',
  'RUN ',
  'COPY --from=b ',
  'ARG X=1',
  'USER ',
  'ENTRYPOINT ',
  '["a"',
  '<<EOT',
  'EOT',
  '\\\n',
  '# c',
  'AS b',
  '${X}',
  ':1.91',
  '\n',
];
const YAML_WORDS = [
  'on: ',
  'jobs:',
  '  a:',
  '    steps:',
  '      - uses: ',
  'run: ',
  'docker push x',
  '[',
  ']',
  '{',
  '"',
  '\n',
  '  ',
  'push: true',
  'platforms: ',
  'needs: a',
];

describe('lint robustness', () => {
  it('the Dockerfile model substitutes ARG defaults before FROM, keeps --platform and ignores FROM inside heredocs', () => {
    const m = parseDockerfile(
      'ARG V=1.91\nARG B=debian:bookworm-slim\nFROM --platform=$BUILDPLATFORM rust:${V} AS b\nRUN <<EOT\nFROM evil:latest\nEOT\nRUN a \\\n  # note\n  && b\nFROM ${B}\nCOPY --from=b /x /x\n',
    );
    assert.equal(m.syntaxError, undefined);
    assert.deepEqual(
      m.stages.map((s) => [s.from.resolved, s.name, s.platform]),
      [
        ['rust:1.91', 'b', '$BUILDPLATFORM'],
        ['debian:bookworm-slim', undefined, undefined],
      ],
    );
    assert.equal(m.stages[0].instructions.length, 2);
    assert.match(m.stages[0].instructions[1].args, /&& b/);
  });

  it('never throws on arbitrary Dockerfile-like text, and a broken file gets exactly one parse finding', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...DOCKER_WORDS), fc.string()), { maxLength: 40 }), (parts) => {
        const errors: unknown[] = [];
        const out = lintText({ file: 'Dockerfile', kind: 'dockerfile', text: parts.join('') }, OPTIONS, (_id, e) =>
          errors.push(e),
        );
        assert.deepEqual(errors, []);
        const parse = out.filter((f) => f.ruleId === 'RO-D000');
        assert.ok(parse.length <= 1);
        if (parse.length) assert.equal(out.length, 1);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary workflow-like text, and a broken file gets exactly one parse finding', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...YAML_WORDS), fc.string()), { maxLength: 40 }), (parts) => {
        const errors: unknown[] = [];
        const out = lintText(
          { file: '.github/workflows/x.yml', kind: 'workflow', text: parts.join('') },
          OPTIONS,
          (_id, e) => errors.push(e),
        );
        assert.deepEqual(errors, []);
        const parse = out.filter((f) => f.ruleId === 'RO-W000');
        assert.ok(parse.length <= 1);
        if (parse.length) assert.equal(out.length, 1);
      }),
      { numRuns: 300 },
    );
  });
});
