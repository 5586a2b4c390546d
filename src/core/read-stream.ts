import type { Readable } from 'node:stream';

/**
 * A Node stream read whole, at most `max` bytes (undefined: no limit). Past that the rest is not wanted: the stream
 * is destroyed rather than read to its end, and `over` is set with the first `max` bytes (an error answer's message
 * is kept from its start). Cheaper than reading a web stream over the same bytes: the registry's HTTP/2 answers and
 * the GitHub client's answers are read this way.
 */
export function readUpTo(stream: Readable, max: number | undefined): Promise<{ bytes: Buffer; over: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const done = (over: boolean) => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', reject);
      resolve({ bytes: Buffer.concat(chunks, total), over });
    };
    const onData = (chunk: Buffer) => {
      if (max !== undefined && total + chunk.length > max) {
        chunks.push(chunk.subarray(0, max - total));
        total = max;
        stream.destroy();
        return done(true);
      }
      chunks.push(chunk);
      total += chunk.length;
    };
    const onEnd = () => done(false);
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', reject);
  });
}
