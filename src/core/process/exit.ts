/**
 * Ends this process once its output is written. A command that has finished must not linger: the registry
 * client's idle keep-alive connections (Node's fetch keeps them for seconds) would hold a CLI run or an Action
 * step that long after its result is known.
 */
export function exitWhenFlushed(code: number): void {
  const pending = [process.stdout, process.stderr].filter((s) => s.writableNeedDrain);
  if (!pending.length) return void process.exit(code);
  void Promise.all(pending.map((s) => new Promise((r) => s.once('drain', r)))).then(() => process.exit(code));
}
