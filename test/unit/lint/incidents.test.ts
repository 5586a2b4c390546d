import assert from 'node:assert/strict';
import { lintDocument } from '../../../src/core/lint/engine';
import { RepoView } from '../../../src/core/lint/repo';
import type { Finding, LintOptions } from '../../../src/core/lint/types';

/**
 * The incidents this product exists for must still be caught, at error, with the evidence that proves them; and
 * the false-finding classes found on public pipelines (issue #23) must stay quiet. Each case is a small file of
 * its own, so a failure names the pattern.
 */
const OPTIONS: LintOptions = { requiredPlatforms: ['linux/amd64', 'linux/arm64'], severities: {} };

function dockerfile(text: string, files: Record<string, string> = {}): Finding[] {
  const repo = new RepoView(Object.entries(files).map(([file, t]) => ({ file, text: t })));
  return lintDocument({ file: 'Dockerfile', text, kind: 'dockerfile', repo }, OPTIONS).findings;
}

function workflow(text: string, files: Record<string, string> = {}, options: LintOptions = OPTIONS): Finding[] {
  const repo = new RepoView(
    Object.entries(files).map(([file, t]) => ({ file, text: t })),
    options.repository,
  );
  return lintDocument({ file: '.github/workflows/release.yml', text, kind: 'workflow', repo }, options).findings;
}

const ids = (fs: Finding[]) => fs.map((f) => `${f.ruleId}:${f.severity}`);
const job = (steps: string, extra = '') =>
  `name: release\non:\n  push:\n    tags: ['v*']\njobs:\n  image:\n    runs-on: ubuntu-latest\n${extra}    steps:\n${steps}`;

describe('lint: the incidents are caught at error, with their evidence', () => {
  it('a Rust binary built on a newer glibc (rust:1.91 = trixie) copied into bookworm', () => {
    const f = dockerfile(
      'FROM rust:1.91 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n\nFROM debian:bookworm-slim\nUSER 1000\nCOPY --from=build /src/target/release/app /usr/local/bin/app\nENTRYPOINT ["/usr/local/bin/app"]\n',
    );
    const d = f.find((x) => x.ruleId === 'RO-D001');
    assert.ok(d, ids(f).join());
    assert.equal(d.severity, 'error');
    assert.equal(d.confidence, 'proven');
    assert.match(d.message, /the Rust binary \(built on line 4\) comes from rust:1\.91, Debian trixie \(glibc 2\.41\)/);
    assert.deepEqual(
      d.evidence.map((e) => [e.region.line, e.message]),
      [
        [1, 'builder: rust:1.91 is Debian trixie (glibc 2.41)'],
        [4, 'builds the Rust binary'],
        [8, 'copies it into debian:bookworm-slim'],
        [6, 'runtime: debian:bookworm-slim is Debian bookworm (glibc 2.36)'],
      ],
    );
  });

  it('an image pushed before it is smoke-tested (the smoke step runs after the push)', () => {
    const f = workflow(
      job(
        '      - uses: actions/checkout@v4\n      - uses: docker/build-push-action@v6\n        with:\n          push: true\n          platforms: linux/amd64\n          tags: ghcr.io/acme/app:latest\n      - name: Smoke\n        run: docker run --rm ghcr.io/acme/app:latest --help\n',
      ),
    );
    const w = f.find((x) => x.ruleId === 'RO-W001');
    assert.ok(w, ids(f).join());
    assert.equal(w.severity, 'error');
    assert.match(w.message, /the step "Smoke" runs the image only after it/);
    assert.deepEqual(
      w.evidence.map((e) => e.message),
      ['publishes: docker/build-push-action with push', 'runs the image only after the push: "Smoke"'],
    );
  });

  it('a GitHub Release created before its image is pushed', () => {
    const f = workflow(
      job(
        '      - run: gh release create "$GITHUB_REF_NAME" --generate-notes\n      - run: docker run --rm app --help\n      - run: docker push ghcr.io/acme/app:$GITHUB_REF_NAME\n',
      ),
    );
    const w = f.find((x) => x.ruleId === 'RO-W002');
    assert.ok(w, ids(f).join());
    assert.equal(w.severity, 'error');
    assert.deepEqual(
      w.evidence.map((e) => [e.region.line, e.message]),
      [
        [9, 'creates the Release or tag'],
        [11, 'publishes the image (docker push)'],
      ],
    );
  });

  it('a required platform missing from a multi-platform build', () => {
    const f = workflow(
      job(
        '      - uses: docker/setup-qemu-action@v3\n      - run: docker run --rm app --help\n      - uses: docker/build-push-action@v6\n        with:\n          push: true\n          platforms: linux/amd64,linux/arm/v7\n',
      ),
    );
    const w = f.find((x) => x.ruleId === 'RO-W004');
    assert.ok(w, ids(f).join());
    assert.equal(w.severity, 'error');
    assert.match(w.message, /publishes linux\/amd64, linux\/arm\/v7 but not linux\/arm64/);
    assert.equal(w.fix?.edits[0].newText, ',linux/arm64');
  });

  it('QEMU missing where the Dockerfile really runs commands for the foreign platform', () => {
    const f = workflow(
      job(
        '      - run: docker run --rm app --help\n      - uses: docker/build-push-action@v6\n        with:\n          push: true\n          platforms: linux/amd64,linux/arm64\n',
      ),
      { Dockerfile: 'FROM alpine:3.20\nRUN apk add --no-cache curl\nUSER 1\nENTRYPOINT ["/bin/true"]\n' },
    );
    const w = f.find((x) => x.ruleId === 'RO-W005');
    assert.ok(w, ids(f).join());
    assert.equal(w.severity, 'error');
    assert.equal(w.evidence[1].file, 'Dockerfile');
    assert.equal(w.evidence[1].region.line, 2);
  });
});

describe('lint: the false-finding classes of issue #23 stay quiet', () => {
  const none = (f: Finding[], rule: string) =>
    assert.deepEqual(
      f.filter((x) => x.ruleId === rule).map((x) => x.message),
      [],
    );

  it('D001/D002: musl targets, musl-tools, zigbuild to musl into Alpine or scratch', () => {
    none(
      dockerfile(
        'FROM rust:1.91 AS build\nRUN rustup target add x86_64-unknown-linux-musl\nCOPY . .\nRUN cargo build --release --target x86_64-unknown-linux-musl\nFROM alpine:3.20\nCOPY --from=build /target/x86_64-unknown-linux-musl/release/app /app\n',
      ),
      'RO-D001',
    );
    const f = dockerfile(
      'FROM rust:1.91 AS build\nRUN apt-get update && apt-get install -y musl-tools\nCOPY . .\nRUN cargo build --release\nFROM scratch\nCOPY --from=build /target/release/app /app\n',
    );
    none(f, 'RO-D001');
    none(f, 'RO-D002');
  });

  it('D001/D002: static web assets and JavaScript bundles into nginx:alpine', () => {
    const f = dockerfile(
      'FROM node:24 AS build\nCOPY . .\nRUN yarn install && yarn build\nFROM nginx:1.27-alpine\nCOPY --from=build /app/build /usr/share/nginx/html\n',
    );
    none(f, 'RO-D001');
    none(f, 'RO-D002');
  });

  it('D001/D002: CGO_ENABLED=0 Go from golang (trixie) into scratch, Alpine or bookworm', () => {
    for (const runtime of ['scratch', 'alpine:3.20', 'debian:bookworm-slim']) {
      const f = dockerfile(
        `FROM golang:1.25 AS build\nENV CGO_ENABLED=0\nCOPY . .\nRUN go build -o /app .\nFROM ${runtime}\nCOPY --from=build /app /app\nENTRYPOINT ["/app"]\n`,
      );
      none(f, 'RO-D001');
      none(f, 'RO-D002');
    }
  });

  it('W005: a cross-compiling Dockerfile (build stages on $BUILDPLATFORM, the target stage only copies) needs no QEMU', () => {
    const f = workflow(
      job(
        '      - run: docker run --rm app --help\n      - uses: docker/build-push-action@v6\n        with:\n          push: true\n          platforms: linux/amd64,linux/arm64\n',
      ),
      {
        Dockerfile:
          'FROM --platform=$BUILDPLATFORM golang:1.25 AS build\nARG TARGETARCH\nRUN CGO_ENABLED=0 GOARCH=$TARGETARCH go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n',
      },
    );
    none(f, 'RO-W005');
  });

  it('W004: linux/arm64/v8 is linux/arm64 (OCI variant normalisation)', () => {
    none(
      workflow(
        job(
          '      - uses: docker/setup-qemu-action@v3\n      - run: docker run --rm app --help\n      - uses: docker/build-push-action@v6\n        with:\n          push: true\n          platforms: linux/amd64,linux/arm64/v8\n',
        ),
      ),
      'RO-W004',
    );
  });

  it('W001: push by digest, a job-local registry, and re-tags publish nothing new', () => {
    none(
      workflow(
        job(
          '      - uses: docker/build-push-action@v6\n        with:\n          platforms: linux/amd64\n          outputs: type=image,name=ghcr.io/acme/app,push-by-digest=true,name-canonical=true,push=true\n',
        ),
      ),
      'RO-W001',
    );
    none(
      workflow(
        job(
          '      - run: docker build -t localhost:5000/app:test . && docker push localhost:5000/app:test\n',
          '    services:\n      registry:\n        image: registry:2\n        ports: ["5000:5000"]\n',
        ),
      ),
      'RO-W001',
    );
    none(
      workflow(
        job(
          '      - run: docker buildx imagetools create -t ghcr.io/acme/app:latest ghcr.io/acme/app:v1.2.3\n      - run: crane tag ghcr.io/acme/app:v1.2.3 stable\n      - run: regctl image copy ghcr.io/acme/app:v1 docker.io/acme/app:v1\n',
        ),
      ),
      'RO-W001',
    );
  });

  it('W001: an image run before the push by compose, testcontainers or Playwright counts as a smoke test', () => {
    const push =
      '      - uses: docker/build-push-action@v6\n        with:\n          push: true\n          platforms: linux/amd64\n';
    for (const run of [
      '      - run: docker compose -f compose.test.yml up --exit-code-from tests\n',
      '      - run: go test ./e2e/...\n        env:\n          TESTCONTAINERS_RYUK_DISABLED: "true"\n',
      '      - run: npx playwright test\n',
    ])
      none(workflow(job(run + push)), 'RO-W001');
  });

  it('W001: a smoke test in a reusable workflow the pushing job needs (./ form and the self-repository form)', () => {
    const smoke =
      'on:\n  workflow_call: {}\njobs:\n  run:\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker run --rm ghcr.io/acme/app:candidate --help\n';
    const caller = (uses: string) =>
      `name: release\non:\n  push:\n    tags: ['v*']\njobs:\n  smoke:\n    uses: ${uses}\n  publish:\n    needs: smoke\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          push: true\n          platforms: linux/amd64,linux/arm64\n`;
    const files = { '.github/workflows/smoke.yml': smoke };
    none(workflow(caller('./.github/workflows/smoke.yml'), files), 'RO-W001');
    none(
      workflow(caller('acme/app/.github/workflows/smoke.yml@main'), files, { ...OPTIONS, repository: 'acme/app' }),
      'RO-W001',
    );
    // Another repository's workflow of the same name is not this one: not followed, so the push is reported
    // (as likely, because something there could test).
    const other = workflow(caller('other/app/.github/workflows/checks.yml@v1').replace(/smoke/g, 'checks'), files, {
      ...OPTIONS,
      repository: 'acme/app',
    });
    assert.deepEqual(ids(other.filter((f) => f.ruleId === 'RO-W001')), ['RO-W001:warning']);
  });

  it('D004/D006: tini, dumb-init, s6 /init and exec-ing scripts are inits; ["tini","--"] makes a shell-form CMD harmless', () => {
    for (const entry of ['["tini", "--", "/app"]', '["/usr/bin/dumb-init", "--", "/app"]', '["/init"]']) {
      const f = dockerfile(`FROM alpine:3.20\nUSER 1\nEXPOSE 8080\nENTRYPOINT ${entry}\n`);
      none(f, 'RO-D004');
    }
    none(dockerfile('FROM alpine:3.20\nUSER 1\nEXPOSE 7700\nENTRYPOINT ["tini", "--"]\nCMD /bin/app\n'), 'RO-D006');
    const script = dockerfile(
      'FROM alpine:3.20\nUSER 1\nEXPOSE 8080\nCOPY docker/start.sh /start.sh\nCMD ["/start.sh"]\n',
      {
        'docker/start.sh': '#!/bin/sh\nset -e\nprepare\nexec /app "$@"\n',
      },
    );
    none(script, 'RO-D004');
  });

  it('D003: s6-overlay and gosu/su-exec entrypoints drop privileges themselves', () => {
    none(dockerfile('FROM alpine:3.20\nRUN apk add s6-overlay\nEXPOSE 80\nENTRYPOINT ["/init"]\n'), 'RO-D003');
    none(
      dockerfile(
        'FROM alpine:3.20\nRUN apk add --no-cache su-exec\nEXPOSE 8384\nCOPY entrypoint.sh /entrypoint.sh\nENTRYPOINT ["/entrypoint.sh"]\n',
        {
          'entrypoint.sh': '#!/bin/sh\nexec su-exec "$PUID:$PGID" /app "$@"\n',
        },
      ),
      'RO-D003',
    );
  });

  it('D005: cargo-chef recipes and cache mounts are dependency-first layouts', () => {
    none(
      dockerfile(
        'FROM rust:1.91-bookworm AS chef\nRUN cargo install cargo-chef\nFROM chef AS planner\nCOPY . .\nRUN cargo chef prepare --recipe-path recipe.json\nFROM chef AS builder\nCOPY --from=planner /recipe.json recipe.json\nRUN cargo chef cook --release --recipe-path recipe.json\nCOPY . .\nRUN cargo build --release\n',
      ),
      'RO-D005',
    );
    none(dockerfile('FROM node:22-bookworm\nCOPY . .\nRUN --mount=type=cache,target=/root/.npm npm ci\n'), 'RO-D005');
  });

  it('W008: local actions and the self-repository reusable workflow have no third-party ref to move', () => {
    const f = workflow(
      'on: push\njobs:\n  a:\n    uses: acme/app/.github/workflows/build.yml@main\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./.github/actions/setup\n',
      {},
      { ...OPTIONS, repository: 'acme/app' },
    );
    none(f, 'RO-W008');
  });
});
