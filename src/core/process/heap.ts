import { setFlagsFromString } from 'node:v8';

/**
 * Keeps a process of our own (the CLI, the Action; never the editor's extension host, which other extensions share)
 * small while it works through thousands of requests at once. V8 grows the young generation up to 16 MiB a
 * semi-space (48 MiB committed) when allocation is quick, and lets the old generation fill with what a request
 * left behind up to four times what is live before it collects: a 5,000-tag listing peaked at 116-122 MiB with about
 * 12 MiB live. The young generation kept at its first size and the old one collected at 1.3 times what is live
 * take that listing to 76-78 MiB in the same time (measured, bench/ scale). Both settings are read by V8 each time it
 * sizes its heap, so they can be set while running (unlike --max-semi-space-size, which a shebang cannot pass).
 */
export function keepHeapSmall(): void {
  try {
    setFlagsFromString('--semi-space-growth-factor=1');
    setFlagsFromString('--heap-growing-percent=30');
  } catch {
    // A Node without these settings runs as it would anyway.
  }
}
