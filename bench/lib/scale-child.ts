// One measured run of the scale bench, in a fresh process (new connections, new token, empty memory caches): the
// registry engine as the CLI and the Release view use it. Prints one JSON line: time from the first request to the
// answer, the tags it got, the source, the protocol, and the process's peak memory (VmHWM, as `ps` would see it).
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { GitHubClient } from '../../src/core/github/client';
import { listContainerVersions } from '../../src/core/github/packages';
import { defaultConfig } from '../../src/core/config/load';
import { operationOf, runOperation } from '../../src/core/operation';
import {
  DiskCache,
  listTagDigests,
  openImageTags,
  RegistryClient,
  tagSchemeCheck,
  registryTrust,
  type PackageVersionsSource,
} from '../../src/core/registry';

interface Job {
  /**
   * tags: every tag with its digest (`release-operator tags`); open: what the Release view's "Image tags" folder does
   * on expansion: that, the tag scheme's verdict over all of them, then the newest `shown` inspected with labels.
   */
  mode: 'tags' | 'open';
  shown?: number;
  registry: string;
  repository: string;
  ca: string;
  cacheDir: string;
  /** The GitHub Packages API (through its own delay proxy), when this run uses it. */
  github?: { apiUrl: string; token: string };
}

function statusKiB(field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'));
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
  // The longest stretch the event loop was kept from other work (the extension host runs this same code): the
  // histogram's max delay, sampled every 5 ms.
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  // What Node and the loaded code hold before the first request (the extension host holds it already).
  const startRssKiB = statusKiB('VmRSS');
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const out = await runOperation(async (signal) => {
    if (job.mode === 'tags') {
      const r = await listTagDigests(client, image, {
        signal,
        packages,
        containerRegistry: config.github.containerRegistry,
      });
      return { tags: r.tags.length, source: r.source, shown: 0, requests: operationOf(signal)!.requests };
    }
    const r = await openImageTags(client, image, config, { signal, first: job.shown ?? 50, packages, labels: true });
    tagSchemeCheck(image, r.ordered, r.scheme);
    const failed = r.shown.filter((s) => s.info instanceof Error);
    if (failed.length) throw failed[0].info as Error;
    return {
      tags: r.ordered.length,
      source: r.listing.source,
      shown: r.shown.length,
      requests: operationOf(signal)!.requests,
    };
  });
  const ms = performance.now() - t0;
  loop.disable();
  const blockedMs = loop.max / 1e6;
  // CPU time of the run (user + system): what the machine's other load can stretch; the rest is waiting on the link.
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  await disk.flush();
  process.stdout.write(
    JSON.stringify({
      ...out,
      ms,
      blockedMs,
      cpuMs,
      protocol: client.protocolOf(job.registry),
      peakRssKiB: statusKiB('VmHWM'),
      startRssKiB,
    }) + '\n',
  );
  client.close();
})().catch((e: unknown) => {
  process.stderr.write(`scale run failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
