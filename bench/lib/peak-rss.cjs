// Preloaded (node -r) into a measured process: at its exit, writes its peak resident size (VmHWM, as `ps` sees it)
// to stderr on a line of its own, so a bench can read the memory of a process it did not write (the shipped CLI).
const { readFileSync } = require('node:fs');

process.on('exit', () => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  process.stderr.write(`\nbench-peak-rss-kib ${m ? m[1] : 0}\n`);
});
