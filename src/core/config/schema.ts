import type { EngineSpec } from '../container';
import { LIMITS, type LimitName, type LimitSettings } from '../limits';

/**
 * One configuration shape for the CLI and the extension. The schema below is the single source of truth:
 * defaults come from it, release-operator.json is validated against it, and a test checks that every
 * `releaseOperator.*` setting in package.json has the same default and description.
 */
export type FieldSpec =
  | {
      type: 'string';
      default?: string;
      enum?: readonly string[];
      description: string;
      title?: string;
      pattern?: RegExp;
      patternHint?: string;
    }
  | { type: 'integer'; default: number; min?: number; max?: number; description: string; title?: string }
  | { type: 'boolean'; default: boolean; description: string; title?: string }
  | { type: 'string[]'; default: readonly string[]; description: string; title?: string; pattern?: RegExp }
  | {
      type: 'map';
      default: Readonly<Record<string, string>>;
      description: string;
      title?: string;
      /** What each key and value must look like, with the words an error uses for it. */
      keyPattern?: RegExp;
      keyHint?: string;
      valuePattern?: RegExp;
      valueHint?: string;
    }
  | { type: 'section'; fields: Readonly<Record<string, FieldSpec>>; description?: string }
  | { type: 'ruleSeverities'; default: Readonly<Record<string, string>>; description: string; title?: string }
  | { type: 'engines'; default: Readonly<Record<string, EngineSpec>>; description: string; title?: string }
  | { type: 'images'; default: readonly ImageEntryInput[]; description: string; title?: string };

const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/;
/** A retention rule: keep the newest N, anything younger than D days (or H hours), or both ("10 14d"). */
export const RETENTION_RULE = /^\s*(?:\d+(?:\s*,?\s*\d+[dh])?|\d+[dh])\s*$/;
/** A size in bytes with an optional unit: 150MB (10^6), 150MiB (2^20), 1.5GB, 800kB. */
const SIZE = /^\s*\d+(?:\.\d+)?\s*(?:B|[kK]B|KiB|MB|MiB|GB|GiB)?\s*$/;
const SIZE_OR_PERCENT = /^\s*(?:\d+(?:\.\d+)?\s*(?:B|[kK]B|KiB|MB|MiB|GB|GiB)?|\d+(?:\.\d+)?\s*%)\s*$/;

/**
 * Keys that decide what runs on this machine (the docker executable, build arguments, the containers'
 * environment) or what a signature is trusted by. In an untrusted VS Code workspace they come from the user's own
 * settings only: never from the
 * repository's release-operator.json or its workspace settings (package.json lists the same keys as
 * restrictedConfigurations; a test keeps them equal).
 */
export const RESTRICTED_KEYS = [
  'dockerPath',
  // Where containers run (an ssh:// engine is another machine): never chosen by a repository nobody trusts.
  'engines',
  'smoke.buildArgs',
  'smoke.env',
  // What a signature is trusted by: a repository must not vouch for its own images in a workspace nobody trusts.
  'supplyChain.trustedRoot',
  'supplyChain.publicKeys',
  'supplyChain.issuer',
  'supplyChain.identity',
  // What a registry's TLS certificate is trusted by.
  'registry.certificates',
] as const;

export const VERSION_SOURCES = ['package.json', 'Cargo.toml', 'pyproject.toml', 'VERSION', 'git-tag'] as const;
export type VersionSource = (typeof VERSION_SOURCES)[number];

export const SCHEMA = {
  type: 'section',
  fields: {
    image: {
      type: 'string',
      title: 'Image repository',
      description:
        'The image repository this project publishes, e.g. ghcr.io/owner/name. Empty: ghcr.io/<owner>/<name> from the GitHub remote.',
      default: '',
    },
    requiredPlatforms: {
      type: 'string[]',
      title: 'Required platforms',
      description: 'Platforms every released image must contain, as os/architecture[/variant].',
      default: ['linux/amd64', 'linux/arm64'],
      pattern: PLATFORM,
    },
    images: {
      type: 'images',
      title: 'Images',
      description:
        'The images this repository publishes, when there are several (a monorepo, an app and a worker): each ' +
        '{"name", "image", "dockerfile", "context", "requiredPlatforms", "smoke": {...}, "tags": {...}}; what an ' +
        'entry leaves out comes from the top-level keys. Empty: one image from the top-level keys.',
      default: [],
    },
    dockerPath: {
      type: 'string',
      title: 'Docker executable',
      description:
        'The docker (or compatible) executable used to build and run images. Also RELEASE_OPERATOR_DOCKER or --docker.',
      default: 'docker',
    },
    engines: {
      type: 'engines',
      title: 'Engine per platform',
      description:
        'The Docker engine each platform is smoke-tested and read on, e.g. {"linux/arm64": {"host": ' +
        '"ssh://ci@arm-box"}} or {"linux/arm64": {"context": "arm"}}. host: unix://, tcp:// or ssh://; context: a ' +
        'docker context name. Platforms not listed use the default engine (DOCKER_HOST or the current context).',
      default: {},
    },
    insecureRegistries: {
      type: 'string[]',
      title: 'Insecure registries',
      description: 'Registry hosts (host[:port]) reached over plain HTTP. Loopback registries always are.',
      default: [],
    },
    versionSources: {
      type: 'string[]',
      title: 'Version sources',
      description: `Where the effective version is read, first match wins. Any of: ${VERSION_SOURCES.join(', ')}.`,
      default: [...VERSION_SOURCES],
    },
    tags: {
      type: 'section',
      description: 'The tag scheme.',
      fields: {
        // No default: unset, each prefix is inferred from the tags (and every report says so), so the schema must
        // tell a configured prefix from none. Older files that set "v" keep meaning exactly that.
        gitPrefix: {
          type: 'string',
          title: 'Git tag prefix',
          description:
            'Prefix of version git tags: "v" for v1.2.3, "" for 1.2.3. Unset (or null): inferred from the ' +
            'repository\'s tags (the prefix most version tags follow; "v" when there are none).',
        },
        imagePrefix: {
          type: 'string',
          title: 'Image tag prefix',
          description:
            'Prefix of version image tags: "v" for v1.2.3, "" for 1.2.3. Unset (or null): inferred from the ' +
            'registry\'s tags (the prefix most version tags follow; "v" when there are none).',
        },
        minor: { type: 'boolean', title: 'Minor tag', description: 'Publish a moving X.Y tag.', default: true },
        major: { type: 'boolean', title: 'Major tag', description: 'Publish a moving X tag.', default: true },
        latest: { type: 'boolean', title: 'Latest tag', description: 'Publish a moving latest tag.', default: true },
        sha: {
          type: 'boolean',
          title: 'Commit tag',
          description: 'Publish a tag named after the short commit SHA.',
          default: true,
        },
        shaLength: {
          type: 'integer',
          title: 'Commit tag length',
          description: 'Length of the short SHA tag.',
          default: 7,
          min: 4,
          max: 40,
        },
      },
    },
    registry: {
      type: 'section',
      description: 'The registry client.',
      fields: {
        concurrency: {
          type: 'integer',
          title: 'Concurrent requests',
          description: 'Registry requests in flight at once.',
          default: 16,
          min: 1,
          max: 64,
        },
        timeoutSeconds: {
          type: 'integer',
          title: 'Request timeout',
          description: 'Seconds before one registry request (headers and body) is abandoned; it is then retried.',
          default: 30,
          min: 1,
          max: 600,
        },
        retries: {
          type: 'integer',
          title: 'Retries',
          description: 'Retries of a request that failed with 408, 429 or 5xx.',
          default: 3,
          min: 0,
          max: 10,
        },
        http2: {
          type: 'boolean',
          title: 'HTTP/2',
          description:
            'Speak HTTP/2 to registries that offer it over TLS (ghcr.io does): one connection carries many requests at once. Off: HTTP/1.1 with registry.concurrency connections.',
          default: true,
        },
        streams: {
          type: 'integer',
          title: 'HTTP/2 streams',
          description:
            "Requests in flight on one HTTP/2 connection (the registry's own limit wins when lower; ghcr.io allows about 100).",
          default: 100,
          min: 1,
          max: 1000,
        },
        certificates: {
          type: 'map',
          title: 'Registry CA certificates',
          description:
            "Per registry (host:port), a PEM file of the CA that signed its TLS certificate, trusted besides the system's (as Docker's certs.d). A registry listed here is reached over TLS, also on loopback. Relative paths are from the repository root.",
          default: {},
        },
      },
    },
    limits: {
      type: 'section',
      description: 'Bounds on what registries, GitHub and files may send (docs/reliability.md lists every limit).',
      fields: {
        listingPages: limitField('listingPages', 'Tag listing pages', 1, 1_000_000),
        listingItems: limitField('listingItems', 'Tags per listing', 1, 100_000_000),
        requestsPerOperation: limitField('requestsPerOperation', 'Registry requests per operation', 1, 100_000_000),
        indexChildren: limitField('indexChildren', 'Manifests per index', 1, 1_000_000),
        operationSeconds: limitField('operationSeconds', 'Operation time', 1, 86_400),
        retryWaitSeconds: limitField('retryWaitSeconds', 'Retry wait', 0, 86_400),
        documentMegabytes: limitField('documentMegabytes', 'Document size', 1, 4096),
        logMegabytes: limitField('logMegabytes', 'Log size', 1, 4096),
        files: limitField('files', 'Files per checked tree', 1, 100_000_000),
        archiveEntries: limitField('archiveEntries', 'Archive entries', 1, 100_000_000),
        archiveMegabytes: limitField('archiveMegabytes', 'Archive size, expanded', 1, 1_048_576),
        archiveRatio: limitField('archiveRatio', 'Archive expansion', 2, 1_000_000),
        assetMegabytes: limitField('assetMegabytes', 'Release asset size', 1, 65_536),
      },
    },
    smoke: {
      type: 'section',
      description: 'The smoke gate.',
      fields: {
        platforms: {
          type: 'string[]',
          title: 'Smoke platforms',
          description: 'Platforms to smoke test. Empty: the required platforms.',
          default: [],
          pattern: PLATFORM,
        },
        dockerfile: {
          type: 'string',
          title: 'Dockerfile',
          description: 'Dockerfile used by smoke --build, relative to the repository.',
          default: 'Dockerfile',
        },
        context: {
          type: 'string',
          title: 'Build context',
          description: 'Build context used by smoke --build, relative to the repository.',
          default: '.',
        },
        buildArgs: {
          type: 'map',
          title: 'Build arguments',
          description: 'Build arguments (--build-arg NAME=VALUE) for smoke --build.',
          default: {},
        },
        helpArgs: {
          type: 'string[]',
          title: 'Help command',
          description: 'Arguments that must exit 0. Empty: skip.',
          default: ['--help'],
        },
        versionArgs: {
          type: 'string[]',
          title: 'Version command',
          description: 'Arguments that print the version. Empty: skip.',
          default: [],
        },
        versionPattern: {
          type: 'string',
          title: 'Version pattern',
          description: 'Regular expression the version output must match. Empty: the effective version.',
          default: '',
        },
        port: {
          type: 'integer',
          title: 'Container port',
          description: 'Port the service listens on inside the container. 0: no service check.',
          default: 8080,
          min: 0,
          max: 65535,
        },
        healthPath: {
          type: 'string',
          title: 'Health path',
          description: 'HTTP path polled until it answers.',
          default: '/health',
        },
        expectStatus: {
          type: 'integer',
          title: 'Expected status',
          description: 'HTTP status the health path must answer.',
          default: 200,
          min: 100,
          max: 599,
        },
        expectBody: {
          type: 'string',
          title: 'Expected body',
          description: 'Text the health response body must contain. Empty: any.',
          default: 'ok',
        },
        timeoutSeconds: {
          type: 'integer',
          title: 'Health deadline',
          description: 'Seconds a native platform has to become healthy.',
          default: 30,
          min: 1,
          max: 3600,
        },
        emulatedTimeoutSeconds: {
          type: 'integer',
          title: 'Emulated health deadline',
          description: 'Seconds an emulated (QEMU) platform has to become healthy.',
          default: 120,
          min: 1,
          max: 3600,
        },
        commandTimeoutSeconds: {
          type: 'integer',
          title: 'Command timeout',
          description: 'Seconds the help and version commands may take.',
          default: 60,
          min: 1,
          max: 3600,
        },
        commandNetwork: {
          type: 'string',
          title: 'Command network',
          description:
            "Network of the help and version containers. 'none': without one (a help that needs the network " +
            "fails, and the container starts faster); 'bridge': Docker's default network. The service always gets one.",
          default: 'none',
          enum: ['none', 'bridge'],
        },
        memory: {
          type: 'string',
          title: 'Memory limit',
          description:
            'Memory limit of the smoke containers (docker --memory, e.g. 256m or 1g; no swap beyond it), as the ' +
            'service will have in production: a service that needs more is killed and the platform fails with ' +
            "'out of memory'. Empty: no limit.",
          default: '',
          pattern: /^([0-9]+(\.[0-9]+)?[bkmgBKMG]?)?$/,
          patternHint: 'a size like 256m or 1g',
        },
        env: {
          type: 'map',
          title: 'Environment',
          description: 'Environment variables for the smoke containers.',
          default: {},
        },
        logTail: {
          type: 'integer',
          title: 'Log tail',
          description: 'Lines of container log kept when a platform fails.',
          default: 100,
          min: 1,
          max: 100000,
        },
        parallel: {
          type: 'boolean',
          title: 'Parallel platforms',
          description: 'Smoke platforms side by side.',
          default: true,
        },
      },
    },
    glibc: {
      type: 'section',
      description: 'The glibc drift check.',
      fields: {
        paths: {
          type: 'string[]',
          title: 'Checked paths',
          description: 'Folders inside the image whose ELF files are checked, besides the entrypoint.',
          default: ['/usr/local/bin', '/app'],
        },
        maxGlibc: {
          type: 'string',
          title: 'Maximum glibc',
          description: 'Highest glibc a file on its own may need (e.g. 2.36). Empty: none.',
          default: '',
        },
        policy: {
          type: 'string',
          title: 'Policy',
          description:
            'A policy name (bookworm, el8, manylinux_2_28, ...) instead of a maximum glibc. Also the policy of Release assets that glibc.assets does not name.',
          default: '',
        },
        assets: {
          type: 'map',
          title: 'Release asset policies',
          description:
            "Per Release asset name pattern (* and ?), the glibc policy its Linux binaries must meet: a policy name (el8, bookworm, manylinux_2_28) or a version (2.28); the first pattern that matches wins. Set: the pre-release gate checks the Release's assets (glibc --release TAG does at any time).",
          default: {},
        },
      },
    },
    github: {
      type: 'section',
      description: 'GitHub.',
      fields: {
        apiUrl: {
          type: 'string',
          title: 'API URL',
          description: 'GitHub REST API base URL (GitHub Enterprise: https://HOST/api/v3).',
          default: 'https://api.github.com',
        },
        containerRegistry: {
          type: 'string',
          title: 'Container registry',
          description:
            'The registry GitHub Packages lists (ghcr.io; GitHub Enterprise: containers.HOST). Tag digests of its images come from the Packages API when the GitHub token may read packages (about 50 requests for 5,000 tags). Empty: always ask the registry.',
          default: 'ghcr.io',
        },
        timeoutSeconds: {
          type: 'integer',
          title: 'Request timeout',
          description: 'Seconds before one GitHub API request (headers and body) is abandoned.',
          default: LIMITS.githubRequestSeconds.default,
          min: 1,
          max: 600,
        },
        releaseWorkflow: {
          type: 'string',
          title: 'Release workflow',
          description: 'File name of the release workflow (release.yml). Empty: guessed from the workflows.',
          default: '',
        },
      },
    },
    supplyChain: {
      type: 'section',
      description: 'Provenance, SBOMs, signatures and attestations.',
      fields: {
        postPush: {
          type: 'string',
          title: 'Post-push signature check',
          description:
            "How the post-push gate treats the supply-chain checks: 'required' (a missing or unverified " +
            "signature, provenance or SBOM fails the stage), 'advisory' (shown, never blocks) or 'off'.",
          default: 'advisory',
          enum: ['required', 'advisory', 'off'],
        },
        trustedRoot: {
          type: 'string',
          title: 'Trusted root',
          description:
            'A Sigstore trusted_root.json (e.g. from `gh attestation trusted-root`), relative to the ' +
            'repository. It is cached, so verification then runs offline. Empty: the cached copy, if any.',
          default: '',
        },
        trustedRootMaxAgeDays: {
          type: 'integer',
          title: 'Trusted root maximum age',
          description: 'Days after which the trusted root is reported as stale (refresh it).',
          default: 30,
          min: 1,
          max: 3650,
        },
        publicKeys: {
          type: 'string[]',
          title: 'Public keys',
          description: 'PEM public keys (files, relative to the repository) that keyed signatures are verified with.',
          default: [],
        },
        issuer: {
          type: 'string',
          title: 'Certificate issuer',
          description: 'The OIDC issuer keyless signing certificates must name.',
          default: 'https://token.actions.githubusercontent.com',
        },
        identity: {
          type: 'string',
          title: 'Certificate identity',
          description:
            "A regular expression the signing certificate's identity (SAN) must match. Empty: any workflow of this GitHub repository (or the signer workflow).",
          default: '',
        },
        signerWorkflow: {
          type: 'string',
          title: 'Signer workflow',
          description:
            'The workflow that must have signed, e.g. .github/workflows/release.yml. Empty: any workflow of this repository.',
          default: '',
        },
        predicateType: {
          type: 'string',
          title: 'Attestation predicate type',
          description: 'Attestations of this predicate type count as signed provenance.',
          default: 'https://slsa.dev/provenance/v1',
        },
        githubAttestations: {
          type: 'boolean',
          title: 'GitHub attestations',
          description: "Read GitHub's artifact attestations API as well (needs a GitHub token).",
          default: true,
        },
      },
    },
    retention: {
      type: 'section',
      description: 'What prune keeps and deletes.',
      fields: {
        rules: {
          type: 'map',
          title: 'Retention rules',
          description:
            'Per tag pattern (* matches any text): what prune keeps of the tags it matches, as "N" (the newest N), "14d" (younger than 14 days; also "36h") or both ("10 14d": the newest 10 and anything younger than 14 days). Tags that match no pattern, version tags, moving tags (latest, X.Y, X) and protected tags are never pruned.',
          default: { 'candidate-*': '10 14d', 'ci-*': '10 14d', 'sha-*': '10 14d', 'pr-*': '10 14d' },
          keyPattern: /^[A-Za-z0-9_.*?-]{1,128}$/,
          keyHint: 'a tag pattern such as candidate-*',
          valuePattern: RETENTION_RULE,
          valueHint: 'a rule like "10", "14d" or "10 14d"',
        },
        protect: {
          type: 'string[]',
          title: 'Protected tags',
          description: 'Tag patterns (* matches any text) prune never deletes, whatever the rules say.',
          default: [],
        },
      },
    },
    size: {
      type: 'section',
      description: 'Image size budgets (compressed, as pulled).',
      fields: {
        budget: {
          type: 'string',
          title: 'Size budget',
          description:
            'Largest compressed size each platform of an image may have, e.g. 150MB (10^6 bytes) or 150MiB (2^20). Empty: none.',
          default: '',
          pattern: new RegExp(`^(${SIZE.source.slice(1, -1)})?$`),
          patternHint: 'a size like 150MB or 150MiB',
        },
        platformBudgets: {
          type: 'map',
          title: 'Size budget per platform',
          description:
            'Per platform (os/architecture[/variant]): its own largest compressed size, instead of the size budget.',
          default: {},
          keyPattern: PLATFORM,
          keyHint: 'a platform like linux/arm64',
          valuePattern: SIZE,
          valueHint: 'a size like 150MB',
        },
        maxGrowth: {
          type: 'string',
          title: 'Growth budget',
          description:
            'Largest growth per platform since the previous release, as a size (10MB) or a share of the previous size (5%). Empty: none.',
          default: '',
          pattern: new RegExp(`^(${SIZE_OR_PERCENT.source.slice(1, -1)})?$`),
          patternHint: 'a size like 10MB or a share like 5%',
        },
      },
    },
    lint: {
      type: 'section',
      description: 'The release pipeline lint.',
      fields: {
        rules: {
          type: 'ruleSeverities',
          title: 'Rule severities',
          description: 'Per rule id: "off", "error", "warning" or "info". Rules not listed keep their own severity.',
          default: {},
        },
      },
    },
  },
} as const satisfies FieldSpec;

/** One image as release-operator.json gives it: only `name` is needed, the rest defaults to the top-level keys. */
export interface ImageEntryInput {
  name: string;
  image?: string;
  dockerfile?: string;
  context?: string;
  requiredPlatforms?: string[];
  smoke?: Partial<ReleaseOperatorConfig['smoke']>;
  tags?: Partial<ReleaseOperatorConfig['tags']>;
  glibc?: Partial<ReleaseOperatorConfig['glibc']>;
}

export interface ReleaseOperatorConfig {
  image: string;
  /**
   * As configured; loadConfig leaves it normalized (config/images.ts): every entry whole, and one entry from the
   * top-level keys when none is configured.
   */
  images: ImageEntryInput[];
  requiredPlatforms: string[];
  dockerPath: string;
  engines: Record<string, EngineSpec>;
  insecureRegistries: string[];
  versionSources: VersionSource[];
  tags: {
    /** Undefined: not configured, inferred from the repository's tags (core/version/scheme). */
    gitPrefix?: string;
    /** Undefined: not configured, inferred from the registry's tags (core/version/scheme). */
    imagePrefix?: string;
    minor: boolean;
    major: boolean;
    latest: boolean;
    sha: boolean;
    shaLength: number;
  };
  registry: {
    concurrency: number;
    timeoutSeconds: number;
    retries: number;
    http2: boolean;
    streams: number;
    certificates: Record<string, string>;
  };
  /** The limits table's own settings type (core/limits), so the two cannot drift apart. */
  limits: LimitSettings['limits'];
  smoke: {
    platforms: string[];
    dockerfile: string;
    context: string;
    buildArgs: Record<string, string>;
    helpArgs: string[];
    versionArgs: string[];
    versionPattern: string;
    port: number;
    healthPath: string;
    expectStatus: number;
    expectBody: string;
    timeoutSeconds: number;
    emulatedTimeoutSeconds: number;
    commandTimeoutSeconds: number;
    commandNetwork: 'none' | 'bridge';
    memory: string;
    env: Record<string, string>;
    logTail: number;
    parallel: boolean;
  };
  glibc: { paths: string[]; maxGlibc: string; policy: string; assets: Record<string, string> };
  github: { apiUrl: string; containerRegistry: string; timeoutSeconds: number; releaseWorkflow: string };
  supplyChain: {
    postPush: 'required' | 'advisory' | 'off';
    trustedRoot: string;
    trustedRootMaxAgeDays: number;
    publicKeys: string[];
    issuer: string;
    identity: string;
    signerWorkflow: string;
    predicateType: string;
    githubAttestations: boolean;
  };
  lint: { rules: Record<string, 'off' | 'error' | 'warning' | 'info'> };
  retention: { rules: Record<string, string>; protect: string[] };
  size: { budget: string; platformBudgets: Record<string, string>; maxGrowth: string };
}

/** A limits.* setting, from the one table of limits (src/core/limits.ts). */
function limitField(name: LimitName, title: string, min: number, max: number): FieldSpec {
  const spec = LIMITS[name];
  return {
    type: 'integer',
    title,
    description:
      `Most ${spec.what} (${spec.unit === 'count' ? '' : `${spec.unit}, `}default ${spec.default}). Reaching ` +
      `it stops with an environment error (exit 3) that names this setting.`,
    default: spec.default,
    min,
    max,
  };
}

/** Deeply partial, for overrides from a file, settings or flags. */
export type ConfigOverrides = {
  [K in keyof ReleaseOperatorConfig]?: ReleaseOperatorConfig[K] extends unknown[]
    ? ReleaseOperatorConfig[K]
    : ReleaseOperatorConfig[K] extends object
      ? Partial<ReleaseOperatorConfig[K]>
      : ReleaseOperatorConfig[K];
};

/** Every leaf setting as a dotted key with its spec, e.g. "smoke.port". */
export function leafFields(
  spec: FieldSpec = SCHEMA,
  prefix = '',
): Array<[string, Exclude<FieldSpec, { type: 'section' }>]> {
  if (spec.type !== 'section') return [[prefix, spec]];
  return Object.entries(spec.fields).flatMap(([k, v]) => leafFields(v, prefix ? `${prefix}.${k}` : k));
}
