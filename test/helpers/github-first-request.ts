// A fresh process's first GitHub request, as a fresh CLI makes it: GitHubClient.create and one Packages API listing
// against the API at argv[2] with the token argv[3]. Prints one JSON line: whether Node loaded undici (its fetch,
// Headers and Response) for it, and the time and CPU the request took. Bundled and run in a child process by
// test/unit/github/first-request.test.ts (and by hand to measure: see that file).
import { GitHubClient } from '../../src/core/github/client';
import { listContainerVersions } from '../../src/core/github/packages';

/** Node 20 loads undici (fetch, Headers, Response, Request) lazily, as this built-in module, on first use. */
const undiciLoaded = () =>
  (process as unknown as { moduleLoadList: string[] }).moduleLoadList.some((m) => m.includes('internal/deps/undici'));

void (async () => {
  const [apiUrl, token] = process.argv.slice(2);
  const before = undiciLoaded();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const gh = await GitHubClient.create({ apiUrl, token: async () => token });
  const r = await listContainerVersions(gh, 'acme', 'app');
  const cpu = process.cpuUsage(cpu0);
  const ms = performance.now() - t0;
  const afterCall = undiciLoaded();
  // The signal itself, checked: touching a fetch global must show undici loaded (else the test proves nothing).
  void new Headers();
  process.stdout.write(
    JSON.stringify({
      versions: 'versions' in r ? r.versions.length : r.unavailable,
      undiciBefore: before,
      undiciAfterCall: afterCall,
      undiciAfterHeaders: undiciLoaded(),
      ms,
      cpuMs: (cpu.user + cpu.system) / 1000,
    }) + '\n',
  );
})().catch((e: unknown) => {
  process.stderr.write(`first request failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
