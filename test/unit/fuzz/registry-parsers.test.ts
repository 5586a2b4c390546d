import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  nextLink,
  parseChallenge,
  parseManifest,
  parseReference,
  parseRepository,
  splitIndex,
  isIndex,
} from '../../../src/core/registry';
import { retryAfterMs } from '../../../src/core/registry/transport';
import { assertNamedError, fuzz, mutated, mutatedText } from '../../helpers/fuzz';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const INDEX = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: d('a'),
        size: 401,
        platform: { architecture: 'amd64', os: 'linux' },
      },
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: d('b'),
        size: 401,
        platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
      },
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: d('c'),
        size: 566,
        annotations: { 'vnd.docker.reference.digest': d('a'), 'vnd.docker.reference.type': 'attestation-manifest' },
        platform: { architecture: 'unknown', os: 'unknown' },
      },
    ],
  }),
);
const LIST = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
    manifests: [
      {
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        digest: d('d'),
        size: 528,
        platform: { architecture: 'arm', os: 'linux', variant: 'v7' },
      },
    ],
  }),
);
const MANIFEST = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d('e'), size: 300 },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: d('f'), size: 1234 }],
  }),
);
const CONTENT_TYPES = [
  null,
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'text/plain; charset=utf-8',
  'application/json',
];

/** JSON values of any shape, for manifests that parse as JSON but mean nothing. */
const anyJson = fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null'));

describe('fuzz: registry parsers (bounded, fast-check)', function () {
  this.timeout(60_000);

  it('manifests and indexes: mutated real ones and arbitrary JSON either parse into descriptors or fail naming the input', () => {
    fuzz(
      'manifest/index',
      fc.tuple(fc.oneof(mutated([INDEX, LIST, MANIFEST]), anyJson), fc.constantFrom(...CONTENT_TYPES)),
      ([bytes, ct], name) => {
        let parsed;
        try {
          parsed = parseManifest(bytes, ct, name);
        } catch (e) {
          return assertNamedError(e, name);
        }
        // What parses is usable: an index splits into platforms with string platform names and valid digests.
        if (isIndex(parsed.json)) {
          const { platforms, unattached } = splitIndex(parsed.json);
          for (const p of [...platforms, ...unattached]) assert.match(p.digest, /^[a-z0-9]+:[a-zA-Z0-9=_-]+$/);
          for (const p of platforms) assert.equal(typeof p.platform, 'string');
        } else assert.ok(parsed.kind === 'manifest');
      },
      400,
    );
  });

  it('WWW-Authenticate: any header gives a challenge with string parameters or nothing, never an exception', () => {
    const seeds = [
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:o/n:pull"',
      'Basic realm="Registry Realm"',
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",error="invalid_token"',
      'Bearer realm=unquoted, service = "a\\"b" ,scope="repository:a:pull,push"',
    ];
    fuzz(
      'WWW-Authenticate',
      fc.oneof(mutatedText(seeds), fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 })),
      (header) => {
        const c = parseChallenge(header);
        if (c === undefined) return;
        assert.equal(typeof c.scheme, 'string');
        assert.equal(c.scheme, c.scheme.toLowerCase());
        for (const [k, v] of Object.entries(c.params)) {
          assert.equal(typeof k, 'string');
          assert.equal(typeof v, 'string', `param ${k} of ${JSON.stringify(header)}`);
        }
      },
      500,
    );
  });

  it('Link: any header gives a next URL without angle brackets, or none', () => {
    const seeds = [
      '</v2/o/n/tags/list?n=100&last=v1>; rel="next"',
      '<https://ghcr.io/v2/o/n/tags/list?last=x>; rel=next, <https://x/prev>; rel="prev"',
      '<a,b>; rel="next"',
    ];
    fuzz(
      'Link',
      fc.oneof(mutatedText(seeds), fc.string({ maxLength: 200 })),
      (header) => {
        const next = nextLink(header);
        if (next !== undefined) {
          assert.equal(typeof next, 'string');
          assert.ok(!next.includes('>'), next);
        }
      },
      500,
    );
  });

  it('Retry-After: seconds, dates or garbage give a non-negative wait or none', () => {
    fuzz(
      'Retry-After',
      fc.oneof(
        fc.nat().map(String),
        fc.date({ noInvalidDate: true }).map((t) => t.toUTCString()),
        fc.string({ maxLength: 40 }),
      ),
      (v) => {
        const ms = retryAfterMs(v);
        if (ms !== undefined) assert.ok(Number.isFinite(ms) && ms >= 0, `${v} -> ${ms}`);
      },
    );
  });

  it('image references: mutated real ones parse into parts that format back, or fail with a usage error quoting the input', () => {
    const seeds = [
      'ghcr.io/owner/name:v1.2.3',
      `127.0.0.1:5000/acme/rocket@${d('a')}`,
      'nginx',
      'localhost:5000/a/b/c:latest',
      `docker.io/library/debian:bookworm@${d('b')}`,
    ];
    fuzz(
      'image reference',
      fc.oneof(mutatedText(seeds), fc.string({ maxLength: 80 })),
      (text) => {
        let r;
        try {
          r = parseReference(text);
        } catch (e) {
          assertNamedError(e, JSON.stringify(text));
          return;
        }
        assert.ok(r.registry && r.repository, JSON.stringify(r));
        assert.ok(r.tag || r.digest);
        assert.ok(!/\s/.test(r.repository));
        // The repository part parses alone as well.
        assert.equal(parseRepository(`${r.registry}/${r.repository}`).repository, r.repository);
      },
      500,
    );
  });
});
