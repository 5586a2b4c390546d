import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  pushImage,
  pushIndex,
  skopeoRaw,
  startProxy,
  tagManifest,
  useRegistry,
  type AuthMode,
  type PushedManifest,
} from '../../helpers/registry';
import { clientFor, rejectsWith } from './util';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

for (const mode of ['none', 'htpasswd', 'token'] as AuthMode[]) {
  describe(`registry client against a real registry (auth: ${mode})`, function () {
    const reg = useRegistry(mode);
    const repo = 'acme/app';
    let amd64: PushedManifest;
    let arm64: PushedManifest;
    let index: PushedManifest & { attestations: PushedManifest[] };
    let list: PushedManifest;

    before(async function () {
      this.timeout(60_000);
      const labels = {
        'org.opencontainers.image.version': '1.2.3',
        'org.opencontainers.image.revision': 'abc1234',
        'org.opencontainers.image.source': 'https://github.com/acme/app',
      };
      amd64 = await pushImage(reg(), repo, { platform: 'linux/amd64', labels });
      arm64 = await pushImage(reg(), repo, { platform: 'linux/arm64/v8', labels: { ...labels, 'only.arm': 'yes' } });
      index = await pushIndex(reg(), repo, [amd64, arm64], { tag: 'v1.2.3', attestations: true });
      const dAmd = await pushImage(reg(), repo, {
        platform: 'linux/amd64',
        format: 'docker',
        labels: { flavour: 'docker' },
      });
      const dArm = await pushImage(reg(), repo, {
        platform: 'linux/arm/v7',
        format: 'docker',
        labels: { flavour: 'docker' },
      });
      list = await pushIndex(reg(), repo, [dAmd, dArm], { tag: 'docker-list', format: 'docker' });
      await tagManifest(reg(), repo, 'single', arm64);
    });

    it('inspects an OCI index: real platforms only, attestations attached to their platform, labels per platform', async () => {
      const info = await clientFor(reg()).inspect(`${reg().host}/${repo}:v1.2.3`);
      assert.equal(info.kind, 'index');
      assert.equal(info.digest, index.digest);
      assert.equal(info.mediaType, 'application/vnd.oci.image.index.v1+json');
      assert.deepEqual(
        info.platforms.map((p) => p.platform),
        ['linux/amd64', 'linux/arm64/v8'],
      );
      assert.deepEqual(
        info.platforms.map((p) => p.digest),
        [amd64.digest, arm64.digest],
      );
      assert.deepEqual(
        info.platforms.map((p) => p.attestations.map((a) => a.digest)),
        index.attestations.map((a) => [a.digest]),
      );
      assert.equal(info.platforms[0].attestations[0].type, 'attestation-manifest');
      assert.deepEqual(info.attestations, []);
      assert.equal(info.platforms[1].labels?.['only.arm'], 'yes');
      assert.equal(info.platforms[0].labels?.['only.arm'], undefined);
      // Top-level labels are those all platforms agree on.
      assert.equal(info.labels['org.opencontainers.image.version'], '1.2.3');
      assert.equal(info.labels['only.arm'], undefined);
    });

    it('reads a Docker manifest list and a single manifest with its config', async () => {
      const c = clientFor(reg());
      const l = await c.inspect(`${reg().host}/${repo}:docker-list`);
      assert.equal(l.kind, 'index');
      assert.equal(l.mediaType, 'application/vnd.docker.distribution.manifest.list.v2+json');
      assert.equal(l.digest, list.digest);
      assert.deepEqual(
        l.platforms.map((p) => p.platform),
        ['linux/amd64', 'linux/arm/v7'],
      );
      assert.deepEqual(l.labels, { flavour: 'docker' });
      const s = await c.inspect(`${reg().host}/${repo}:single`);
      assert.equal(s.kind, 'manifest');
      assert.equal(s.digest, arm64.digest);
      assert.deepEqual(
        s.platforms.map((p) => p.platform),
        ['linux/arm64/v8'],
      );
      assert.equal(s.labels['only.arm'], 'yes');
      assert.equal(s.config?.architecture, 'arm64');
    });

    it('returns the exact bytes skopeo sees, with the sha256 of those bytes as digest', async () => {
      const c = clientFor(reg());
      for (const tag of ['v1.2.3', 'docker-list', 'single']) {
        const m = await c.getManifest(`${reg().host}/${repo}:${tag}`);
        const peer = await skopeoRaw(reg(), `${reg().host}/${repo}:${tag}`);
        assert.ok(m.bytes.equals(peer), `bytes of ${tag} differ from skopeo's`);
        assert.equal(m.digest, sha256(peer));
        const head = await c.headManifest(`${reg().host}/${repo}:${tag}`);
        assert.equal(head?.digest, m.digest);
        assert.equal(head?.mediaType, m.mediaType);
      }
    });

    it('reads a platform config and verified blobs, buffered and streamed', async () => {
      const c = clientFor(reg());
      const { config, manifest } = await c.getImageConfig(`${reg().host}/${repo}:v1.2.3`, 'linux/arm64');
      assert.equal(manifest.digest, arm64.digest);
      assert.equal(config.architecture, 'arm64');
      const layer = await c.getBlob(`${reg().host}/${repo}`, arm64.layerDigest!);
      assert.equal(sha256(layer), arm64.layerDigest);
      const { stream } = await c.openBlob(`${reg().host}/${repo}`, arm64.layerDigest!);
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      assert.ok(Buffer.concat(chunks).equals(layer));
    });

    it('lists tags and their digests; HEAD of a missing tag is null', async () => {
      const c = clientFor(reg());
      assert.deepEqual((await c.listTags(`${reg().host}/${repo}`)).sort(), ['docker-list', 'single', 'v1.2.3']);
      const td = await c.tagDigests(`${reg().host}/${repo}`);
      assert.equal(td.find((t) => t.tag === 'single')?.digest, arm64.digest);
      assert.equal(await c.headManifest(`${reg().host}/${repo}:nope`), null);
    });

    it('says a missing tag is a check failure (exit 1) naming the tag', async () => {
      const e = await rejectsWith(
        clientFor(reg()).getManifest(`${reg().host}/${repo}:v9.9.9`),
        'check',
        /acme\/app has no tag v9\.9\.9/,
      );
      assert.match(e.hint ?? '', /tags/);
    });

    if (mode !== 'none') {
      it('refuses bad credentials with an environment error (exit 3) and a credentials hint, without leaking the password', async () => {
        const e = await rejectsWith(
          clientFor(reg(), { username: 'operator', password: 'wrong-password' }).inspect(
            `${reg().host}/${repo}:v1.2.3`,
          ),
          'environment',
          /refused|401/,
        );
        assert.match(e.hint ?? '', /docker login 127\.0\.0\.1:\d+/);
        assert.match(e.hint ?? '', /came from test/);
        assert.doesNotMatch(`${e.message} ${e.hint}`, /wrong-password/);
      });

      it('refuses anonymous access with an environment error', async () => {
        await rejectsWith(
          clientFor(reg(), null).getManifest(`${reg().host}/${repo}:v1.2.3`),
          'environment',
          /without credentials|anonymous/,
        );
      });
    }

    if (mode === 'token') {
      it('asks the token service for the pull scope of the repository, and pull,push to write', async () => {
        const c = clientFor(reg());
        const m = await c.getManifest(`${reg().host}/${repo}:single`);
        await c.putManifest(`${reg().host}/${repo}`, 'copied', m.bytes, m.mediaType);
        const scopes = reg()
          .tokenRequests.filter((r) => r.user === 'operator')
          .map((r) => r.scope);
        assert.ok(scopes.includes(`repository:${repo}:pull`), scopes.join(' '));
        assert.ok(scopes.includes(`repository:${repo}:pull,push`), scopes.join(' '));
        assert.equal((await c.headManifest(`${reg().host}/${repo}:copied`))?.digest, m.digest);
      });

      it('fetches a fresh token when a request with a cached token gets a 401 with a new challenge', async () => {
        const challenge = (await fetch(`${reg().url}/v2/`)).headers.get('www-authenticate')!;
        const p = await startProxy(reg(), {
          faults: [
            {
              method: 'GET',
              path: /\/manifests\/v1\.2\.3$/,
              respond: {
                status: 401,
                headers: { 'www-authenticate': `${challenge},scope="repository:${repo}:pull",error="invalid_token"` },
              },
            },
          ],
        });
        try {
          const c = clientFor(reg());
          await c.headManifest(`${p.host}/${repo}:single`); // caches a pull token
          const before = reg().tokenRequests.length;
          const m = await c.getManifest(`${p.host}/${repo}:v1.2.3`);
          assert.equal(m.digest, index.digest);
          assert.equal(reg().tokenRequests.length, before + 1, 'one new token for the challenge');
          assert.deepEqual(
            p.requests.filter((r) => r.path.endsWith('/v1.2.3')).map((r) => [r.faulted, r.authorization]),
            [
              [true, true],
              [false, true],
            ],
          );
        } finally {
          await p.stop();
        }
      });
    }
  });
}
