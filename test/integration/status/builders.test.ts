import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { HOST_LIBC } from '../../helpers/elf-fixtures';
import { pushImage, useRegistry } from '../../helpers/registry';

/** A workflow that tags its builder by the Rust version and the Dockerfile's hash, and builds it only when missing. */
const workflow = (builder: string, tagLine: string) => `name: builder
on: push
env:
  BUILDER: ${builder}
  RUST: "1.83"
jobs:
  builder:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - id: toolchain
        run: ${tagLine}
      - id: exists
        run: |
          if docker manifest inspect "$BUILDER:\${{ steps.toolchain.outputs.tag }}" >/dev/null; then
            echo "found=true" >> "$GITHUB_OUTPUT"
          fi
      - if: steps.exists.outputs.found != 'true'
        run: |
          docker build -t "$BUILDER:\${{ steps.toolchain.outputs.tag }}" builder
          docker push "$BUILDER:\${{ steps.toolchain.outputs.tag }}"
`;

interface Builder {
  at: string;
  reference?: string;
  state: string;
  reason?: string;
  glibc?: Record<string, string>;
}

describe('status: builder images by toolchain hash', function () {
  this.timeout(120_000);
  const registry = useRegistry();
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ro-builders-'));
    mkdirSync(path.join(dir, '.github', 'workflows'), { recursive: true });
    mkdirSync(path.join(dir, 'builder'));
    writeFileSync(path.join(dir, 'builder', 'Dockerfile'), 'FROM rust:1.83-bookworm\n');
    execFileSync('git', ['init', '-q', dir]);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function status(tagLine: string) {
    const builder = `${registry().host}/acme/builder`;
    writeFileSync(path.join(dir, '.github', 'workflows', 'builder.yml'), workflow(builder, tagLine));
    let stdout = '';
    let stderr = '';
    const io = { stdout: (s: string) => void (stdout += s), stderr: (s: string) => void (stderr += s) };
    const env = { PATH: process.env.PATH, GITHUB_API_URL: 'http://127.0.0.1:9' };
    const code = await runCli(['status', '--cwd', dir], { ...io, env }, new AbortController().signal);
    let doc = '';
    await runCli(
      ['status', '--json', '--cwd', dir],
      { stdout: (s) => void (doc += s), stderr: () => undefined, env },
      new AbortController().signal,
    );
    return { code, stdout, stderr, builders: (JSON.parse(doc) as { builders: Builder[] }).builders, builder };
  }

  /** GitHub's hashFiles of one file, by other tools: sha256 of the file's raw sha256 digest. */
  const peerHash = (file: string) =>
    execFileSync('sh', ['-c', `openssl dgst -sha256 -binary "${file}" | sha256sum | cut -d' ' -f1`])
      .toString()
      .trim();

  it('works out the tag for the current toolchain exactly; missing in the registry says the next run builds it', async () => {
    const r = await status(`echo "tag=\${{ env.RUST }}-\${{ hashFiles('builder/Dockerfile') }}" >> "$GITHUB_OUTPUT"`);
    assert.equal(r.code, 0, r.stderr);
    const tag = `1.83-${peerHash(path.join(dir, 'builder', 'Dockerfile'))}`;
    assert.equal(r.builders.length, 1);
    assert.equal(r.builders[0].reference, `${r.builder}:${tag}`);
    assert.equal(r.builders[0].state, 'missing');
    assert.match(r.builders[0].at, /^\.github\/workflows\/builder\.yml:\d+ \(builder\)$/);
    assert.match(r.stdout, /Builder images/);
    assert.match(r.stdout, /missing: not in the registry/);
  });

  it('exists: its digest and the glibc its libc.so.6 provides; a changed Dockerfile is a new tag, missing again', async () => {
    const line = `echo "tag=\${{ env.RUST }}-\${{ hashFiles('builder/Dockerfile') }}" >> "$GITHUB_OUTPUT"`;
    const tag = `1.83-${peerHash(path.join(dir, 'builder', 'Dockerfile'))}`;
    await pushImage(registry(), 'acme/builder', {
      tag,
      files: { 'lib/x86_64-linux-gnu/libc.so.6': readFileSync(HOST_LIBC) },
    });
    const r = await status(line);
    assert.equal(r.builders[0].state, 'exists', JSON.stringify(r.builders[0]));
    const provided = execFileSync(HOST_LIBC)
      .toString()
      .match(/release version (\d+\.\d+)/)![1];
    assert.deepEqual(r.builders[0].glibc, { 'linux/amd64': provided });
    assert.match(
      r.stdout,
      new RegExp(`exists sha256:[0-9a-f]{12}; glibc ${provided.replace('.', '\\.')} \\(linux/amd64\\)`),
    );

    writeFileSync(path.join(dir, 'builder', 'Dockerfile'), 'FROM rust:1.84-bookworm\n');
    const changed = await status(line);
    assert.equal(changed.builders[0].state, 'missing');
    assert.notEqual(changed.builders[0].reference, r.builders[0].reference);
  });

  it('a tag computed by a shell command or known only in a run is nothing checked with the reason, never guessed', async () => {
    const shell = await status(`echo "tag=$(sha256sum builder/Dockerfile | cut -c1-12)" >> "$GITHUB_OUTPUT"`);
    assert.equal(shell.builders[0].state, 'nothing-checked');
    assert.match(shell.builders[0].reason!, /tag not evaluated: .*shell command/);
    assert.equal(shell.builders[0].reference, undefined);
    assert.match(shell.stdout, /nothing checked: tag not evaluated/);
    const run = await status(`echo "tag=\${{ github.sha }}" >> "$GITHUB_OUTPUT"`);
    assert.equal(run.builders[0].state, 'nothing-checked');
    assert.match(run.builders[0].reason!, /github\.sha \}\} is known only in a run/);
    const glob = await status(`echo "tag=\${{ hashFiles('builder/*', 'rust-toolchain.toml') }}" >> "$GITHUB_OUTPUT"`);
    assert.match(glob.builders[0].reason!, /several files, whose order is the runner's/);
  });
});
