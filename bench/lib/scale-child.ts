// One measured run of the scale bench, in a fresh process (new connections, new token, empty memory caches): the
// registry engine as the CLI and the Release view use it. Prints one JSON line: time from the first request to the
// answer, the tags it got, the source, the protocol, and the process's peak memory (VmHWM, as `ps` would see it).
import { readFileSync } from 'node:fs';
import { GitHubClient } from '../../src/core/github/client';
import { listContainerVersions } from '../../src/core/github/packages';
import { defaultConfig } from '../../src/core/config/load';
import { currentOperation, runOperation } from '../../src/core/operation';
import {
  DiskCache,
  listTagDigests,
  openImageTags,
  RegistryClient,
  registryTrust,
  type PackageVersionsSource,
} from '../../src/core/registry';

interface Job {
  /** tags: every tag with its digest (`release-operator tags`); open: that, then the first 30 inspected (the view). */
  mode: 'tags' | 'open';
  registry: string;
  repository: string;
  ca: string;
  cacheDir: string;
  /** The GitHub Packages API (through its own delay proxy), when this run uses it. */
  github?: { apiUrl: string; token: string };
}

function peakRssKiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : 0;
}

void (async () => {
  const job = JSON.parse(process.argv[2]) as Job;
  const config = defaultConfig();
  config.github.containerRegistry = job.github ? job.registry : '';
  const disk = new DiskCache({ dir: job.cacheDir });
  const client = new RegistryClient({
    credentials: async () => undefined,
    trust: registryTrust({ [job.registry]: job.ca }),
    diskCache: disk,
  });
  let packages: PackageVersionsSource | undefined;
  if (job.github) {
    const gh = await GitHubClient.create({ apiUrl: job.github.apiUrl, token: async () => job.github!.token });
    packages = (owner, name, signal) => listContainerVersions(gh, owner, name, { signal });
  }
  const image = `${job.registry}/${job.repository}`;
  const t0 = performance.now();
  const out = await runOperation(async () => {
    if (job.mode === 'tags') {
      const r = await listTagDigests(client, image, { packages, containerRegistry: config.github.containerRegistry });
      return { tags: r.tags.length, source: r.source, shown: 0, requests: currentOperation()!.requests };
    }
    const r = await openImageTags(client, image, config, { first: 30, packages, labels: false });
    const failed = r.shown.filter((s) => s.info instanceof Error);
    if (failed.length) throw failed[0].info as Error;
    return {
      tags: r.ordered.length,
      source: r.listing.source,
      shown: r.shown.length,
      requests: currentOperation()!.requests,
    };
  });
  const ms = performance.now() - t0;
  await disk.flush();
  process.stdout.write(
    JSON.stringify({ ...out, ms, protocol: client.protocolOf(job.registry), peakRssKiB: peakRssKiB() }) + '\n',
  );
  client.close();
})().catch((e: unknown) => {
  process.stderr.write(`scale run failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
