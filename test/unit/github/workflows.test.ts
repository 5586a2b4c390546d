import assert from 'node:assert/strict';
import path from 'node:path';
import {
  guessReleaseWorkflow,
  parseInputFlags,
  parseWorkflow,
  prepareInputs,
  readWorkflowFiles,
  splitByStep,
} from '../../../src/core/github';
import { FIXTURES } from '../../helpers/paths';

const root = path.join(FIXTURES, 'github', 'repo');

describe('github: workflow files, typed dispatch inputs, log sections', () => {
  it('reads every workflow file, with triggers and typed workflow_dispatch inputs; a broken file is reported, not fatal', async () => {
    const files = await readWorkflowFiles(root);
    assert.deepEqual(
      files.map((f) => f.file),
      ['broken.yml', 'ci.yml', 'publish-image.yaml', 'release.yml'],
    );
    assert.ok(files[0].error, 'broken.yml has a parse error');
    const release = files.find((f) => f.file === 'release.yml')!;
    assert.deepEqual(release.events, ['push', 'workflow_dispatch']);
    assert.equal(release.onTagOrRelease, true);
    assert.equal(release.pushesImages, true);
    assert.deepEqual(
      release.dispatchInputs!.map((i) => [i.name, i.type, i.required, i.default ?? null, i.options ?? null]),
      [
        ['version', 'string', true, null, null],
        ['channel', 'choice', false, 'stable', ['stable', 'beta', 'nightly']],
        ['dry_run', 'boolean', false, false, null],
        ['retries', 'number', false, 2, null],
        ['target', 'environment', false, null, null],
      ],
    );
    assert.equal(files.find((f) => f.file === 'ci.yml')!.dispatchInputs, undefined);
  });

  it('guesses the release workflow and says why; the configured one wins; a configured file that is missing is said', async () => {
    const files = await readWorkflowFiles(root);
    const g = guessReleaseWorkflow(files);
    assert.equal(g.workflow?.file, 'release.yml');
    assert.match(g.reason, /name says release, it runs on tags or releases, it pushes images/);
    assert.equal(
      guessReleaseWorkflow(files.filter((f) => f.file !== 'release.yml')).workflow?.file,
      'publish-image.yaml',
    );
    assert.equal(guessReleaseWorkflow(files, 'ci.yml').workflow?.file, 'ci.yml');
    assert.match(guessReleaseWorkflow(files, 'deploy.yml').reason, /no such file/);
    assert.equal(guessReleaseWorkflow([parseWorkflow('ci.yml', 'on: push\njobs: {}\n')]).workflow, undefined);
  });

  it('types inputs as declared and refuses unknown, mistyped and missing ones before any request', async () => {
    const release = (await readWorkflowFiles(root)).find((f) => f.file === 'release.yml')!;
    const declared = release.dispatchInputs!;
    const ok = prepareInputs(
      declared,
      { version: '1.2.3', dry_run: 'yes', retries: '04', channel: 'beta' },
      'release.yml',
    );
    assert.deepEqual(ok.send, { version: '1.2.3', dry_run: 'true', retries: '4', channel: 'beta' });
    assert.deepEqual(prepareInputs(declared, { version: '2.0.0' }, 'release.yml').effective, {
      version: '2.0.0',
      channel: 'stable',
      dry_run: 'false',
      retries: '2',
    });
    const refuse = (given: Record<string, string>, re: RegExp) =>
      assert.throws(
        () => prepareInputs(declared, given, 'release.yml'),
        (e: Error & { kind: string }) => e.kind === 'usage' && re.test(e.message),
      );
    refuse({ version: '1', colour: 'red' }, /has no input 'colour'/);
    refuse({ version: '1', channel: 'edge' }, /must be one of stable, beta, nightly; got 'edge'/);
    refuse({ version: '1', dry_run: 'maybe' }, /is a boolean; got 'maybe'/);
    refuse({ version: '1', retries: 'three' }, /is a number; got 'three'/);
    refuse({}, /needs the input 'version'/);
    assert.deepEqual(parseInputFlags(['a=1', 'b=x=y']), { a: '1', b: 'x=y' });
    assert.throws(() => parseInputFlags(['novalue']), /KEY=VALUE/);
  });

  it('splits a job log into steps by the timestamps on its lines', () => {
    const text = [
      '2024-05-01T10:00:00.1Z a',
      '2024-05-01T10:00:59.9Z b',
      'continued line',
      '2024-05-01T10:01:00.0Z c',
      '2024-05-01T10:05:00.0Z d',
      '',
    ].join('\r\n');
    const sections = splitByStep(text, [
      { number: 1, name: 'one', status: 'completed', conclusion: 'success', startedAt: '2024-05-01T10:00:00Z' },
      { number: 2, name: 'two', status: 'completed', conclusion: 'failure', startedAt: '2024-05-01T10:01:00Z' },
      { number: 3, name: 'never ran', status: 'completed', conclusion: 'skipped' },
    ]);
    assert.deepEqual(
      sections.map((s) => [s.name, s.lines.length]),
      [
        ['one', 3],
        ['two', 2],
      ],
    );
    assert.deepEqual(
      splitByStep('x\ny\n', []).map((s) => [s.name, s.lines]),
      [['log', ['x', 'y']]],
    );
  });
});
