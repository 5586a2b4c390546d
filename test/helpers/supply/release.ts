/**
 * A two-platform release as BuildKit and a release workflow leave it in a registry, written at test time through
 * the registry API: linux/amd64 and linux/arm64 images with OCI labels, and beside each in the index a BuildKit
 * attestation manifest (`unknown/unknown`, vnd.docker.reference.*) whose layers are in-toto statements: SLSA
 * provenance (v0.2 for amd64, v1 for arm64, as `--provenance=mode=max[,version=v1]` writes them) and an SBOM
 * (SPDX for amd64, CycloneDX for arm64).
 *
 *   pushBuildKitRelease(reg, repo, { tag, commit, repository, commits?, withoutAttestations? })
 *       -> { index, platforms: { 'linux/amd64': PushedManifest, 'linux/arm64': PushedManifest } }
 */
import { createHash } from 'node:crypto';
import { pushBlob, pushImage, putManifest, type PushedManifest, type TestRegistry } from '../registry';

const OCI = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
};
const IN_TOTO = 'application/vnd.in-toto+json';
const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const hex = (d: string) => d.replace(/^sha256:/, '');

const BASE_DIGEST = `sha256:${'b'.repeat(64)}`;

export interface ReleaseOptions {
  tag: string;
  /** The commit the release was built from (40 hex). */
  commit: string;
  /** https://github.com/OWNER/NAME */
  repository: string;
  /** Per platform, a different provenance commit (the "built from another commit" case). */
  commits?: Record<string, string>;
  version?: string;
}

export interface PushedRelease {
  index: PushedManifest;
  platforms: Record<'linux/amd64' | 'linux/arm64', PushedManifest>;
}

function statement(subject: PushedManifest, predicateType: string, predicate: unknown): Buffer {
  return Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType,
      subject: [{ name: 'pkg:docker/app', digest: { sha256: hex(subject.digest) } }],
      predicate,
    }),
  );
}

export function buildkitProvenanceV02(o: { commit: string; repository: string; platform: string; version: string }) {
  return {
    builder: { id: `${o.repository}/actions/runs/4242` },
    buildType: 'https://mobyproject.org/buildkit@v1',
    materials: [
      {
        uri: `pkg:docker/debian@bookworm-slim?platform=${encodeURIComponent(o.platform)}`,
        digest: { sha256: hex(BASE_DIGEST) },
      },
    ],
    invocation: {
      configSource: { entryPoint: 'Dockerfile' },
      parameters: {
        frontend: 'dockerfile.v0',
        args: {
          'build-arg:VERSION': o.version,
          'build-arg:BUILDKIT_CONTEXT_KEEP_GIT_DIR': '1',
          'label:org.opencontainers.image.revision': o.commit,
        },
        locals: [{ name: 'context' }, { name: 'dockerfile' }],
      },
      environment: { platform: 'linux/amd64' },
    },
    metadata: {
      buildInvocationID: 'inv-1',
      buildStartedOn: '2026-01-01T00:00:00Z',
      buildFinishedOn: '2026-01-01T00:01:00Z',
      completeness: { parameters: true, environment: true, materials: false },
      reproducible: false,
      'https://mobyproject.org/buildkit@v1#metadata': { vcs: { source: `${o.repository}.git`, revision: o.commit } },
    },
  };
}

export function buildkitProvenanceV1(o: { commit: string; repository: string; platform: string; version: string }) {
  return {
    buildDefinition: {
      buildType: 'https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-definitions.md',
      externalParameters: {
        configSource: { path: 'Dockerfile' },
        request: { frontend: 'dockerfile.v0', args: { 'build-arg:VERSION': o.version, target: 'runtime' } },
      },
      internalParameters: { builderPlatform: 'linux/amd64' },
      resolvedDependencies: [
        {
          uri: `pkg:docker/debian@bookworm-slim?platform=${encodeURIComponent(o.platform)}`,
          digest: { sha256: hex(BASE_DIGEST) },
        },
      ],
    },
    runDetails: {
      builder: { id: `${o.repository}/actions/runs/4242` },
      metadata: {
        invocationID: 'inv-1',
        buildkit_metadata: { vcs: { source: o.repository, revision: o.commit } },
      },
    },
  };
}

export function spdx(packages: Array<[string, string]>) {
  return {
    spdxVersion: 'SPDX-2.3',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: 'sbom',
    creationInfo: { creators: ['Organization: Anchore, Inc', 'Tool: syft-v1.4.1'], created: '2026-01-01T00:00:00Z' },
    packages: packages.map(([name, version], i) => ({
      name,
      SPDXID: `SPDXRef-Package-${i}`,
      versionInfo: version,
      externalRefs: [
        {
          referenceCategory: 'PACKAGE-MANAGER',
          referenceType: 'purl',
          referenceLocator: `pkg:deb/debian/${name}@${version}`,
        },
      ],
    })),
  };
}

export function cyclonedx(packages: Array<[string, string]>) {
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    metadata: { tools: { components: [{ type: 'application', name: 'syft', version: '1.4.1' }] } },
    components: packages.map(([name, version]) => ({
      type: 'library',
      name,
      version,
      purl: `pkg:deb/debian/${name}@${version}?arch=arm64`,
    })),
  };
}

const AMD64_PACKAGES: Array<[string, string]> = [
  ['libc6', '2.36-9+deb12u7'],
  ['libssl3', '3.0.13-1~deb12u1'],
  ['busybox', '1:1.35.0-4'],
];
const ARM64_PACKAGES: Array<[string, string]> = [
  ['libc6', '2.36-9+deb12u7'],
  ['libssl3', '3.0.11-1~deb12u2'],
];

async function pushAttestationManifest(
  reg: TestRegistry,
  repo: string,
  layers: Array<{ predicateType: string; bytes: Buffer }>,
): Promise<PushedManifest> {
  const descriptors = [];
  for (const l of layers) {
    descriptors.push({
      mediaType: IN_TOTO,
      digest: await pushBlob(reg, repo, l.bytes),
      size: l.bytes.length,
      annotations: { 'in-toto.io/predicate-type': l.predicateType },
    });
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'unknown',
      os: 'unknown',
      config: {},
      rootfs: { type: 'layers', diff_ids: descriptors.map((d) => d.digest) },
    }),
  );
  const configDigest = await pushBlob(reg, repo, config);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI.manifest,
      config: { mediaType: OCI.config, digest: configDigest, size: config.length },
      layers: descriptors,
    }),
  );
  const digest = await putManifest(reg, repo, sha256(bytes), bytes, OCI.manifest);
  return { digest, mediaType: OCI.manifest, bytes, size: bytes.length };
}

export async function pushBuildKitRelease(reg: TestRegistry, repo: string, o: ReleaseOptions): Promise<PushedRelease> {
  const version = o.version ?? o.tag.replace(/^v/, '');
  const labels = {
    'org.opencontainers.image.version': version,
    'org.opencontainers.image.revision': o.commit,
    'org.opencontainers.image.source': o.repository,
  };
  const amd64 = await pushImage(reg, repo, {
    platform: 'linux/amd64',
    labels,
    files: { app: `amd64 ${repo} ${o.tag}\n` },
  });
  const arm64 = await pushImage(reg, repo, {
    platform: 'linux/arm64',
    labels,
    files: { app: `arm64 ${repo} ${o.tag}\n` },
  });
  const provCommit = (p: string) => o.commits?.[p] ?? o.commit;
  const attAmd = await pushAttestationManifest(reg, repo, [
    {
      predicateType: 'https://slsa.dev/provenance/v0.2',
      bytes: statement(
        amd64,
        'https://slsa.dev/provenance/v0.2',
        buildkitProvenanceV02({
          commit: provCommit('linux/amd64'),
          repository: o.repository,
          platform: 'linux/amd64',
          version,
        }),
      ),
    },
    {
      predicateType: 'https://spdx.dev/Document',
      bytes: statement(amd64, 'https://spdx.dev/Document', spdx(AMD64_PACKAGES)),
    },
  ]);
  const attArm = await pushAttestationManifest(reg, repo, [
    {
      predicateType: 'https://slsa.dev/provenance/v1',
      bytes: statement(
        arm64,
        'https://slsa.dev/provenance/v1',
        buildkitProvenanceV1({
          commit: provCommit('linux/arm64'),
          repository: o.repository,
          platform: 'linux/arm64',
          version,
        }),
      ),
    },
    {
      predicateType: 'https://cyclonedx.org/bom',
      bytes: statement(arm64, 'https://cyclonedx.org/bom', cyclonedx(ARM64_PACKAGES)),
    },
  ]);
  const entry = (m: PushedManifest) => ({
    mediaType: m.mediaType,
    digest: m.digest,
    size: m.size,
    platform: { architecture: m.platform!.architecture, os: m.platform!.os },
  });
  const att = (m: PushedManifest, of: PushedManifest) => ({
    mediaType: m.mediaType,
    digest: m.digest,
    size: m.size,
    annotations: { 'vnd.docker.reference.digest': of.digest, 'vnd.docker.reference.type': 'attestation-manifest' },
    platform: { architecture: 'unknown', os: 'unknown' },
  });
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI.index,
      manifests: [entry(amd64), entry(arm64), att(attAmd, amd64), att(attArm, arm64)],
    }),
  );
  const digest = await putManifest(reg, repo, o.tag, bytes, OCI.index);
  return {
    index: { digest, mediaType: OCI.index, bytes, size: bytes.length },
    platforms: { 'linux/amd64': amd64, 'linux/arm64': arm64 },
  };
}

/** actions/attest-build-provenance's SLSA v1 predicate (buildType https://actions.github.io/buildtypes/workflow/v1). */
export function githubProvenance(o: { repository: string; commit: string; tag: string; workflowPath: string }) {
  return {
    buildDefinition: {
      buildType: 'https://actions.github.io/buildtypes/workflow/v1',
      externalParameters: { workflow: { ref: `refs/tags/${o.tag}`, repository: o.repository, path: o.workflowPath } },
      internalParameters: {
        github: {
          event_name: 'push',
          repository_id: '1',
          repository_owner_id: '2',
          runner_environment: 'github-hosted',
        },
      },
      resolvedDependencies: [{ uri: `git+${o.repository}@refs/tags/${o.tag}`, digest: { gitCommit: o.commit } }],
    },
    runDetails: {
      builder: { id: `${o.repository}/${o.workflowPath}@refs/tags/${o.tag}` },
      metadata: { invocationId: `${o.repository}/actions/runs/4242/attempts/1` },
    },
  };
}
