import { ReadableStream } from 'node:stream/web';
import { XzReadableStream } from 'xz-decompress';
import { checkError } from '../errors';

/**
 * xz decompression as it streams, with xz-decompress (xz-embedded compiled to WebAssembly: no native code, and
 * Node has no xz). Its decoder refuses dictionaries over 64 MiB (every xz preset fits), so its memory is bounded.
 * It decodes one stream at a time across the process (a mutex of its own), so a stream left unfinished is always
 * cancelled here, or the next one would wait for ever.
 */
export async function* xzDecompress(source: AsyncIterable<Uint8Array>, what: string): AsyncGenerator<Uint8Array> {
  const reader = new XzReadableStream(ReadableStream.from(source)).getReader();
  let finished = false;
  try {
    for (;;) {
      let r: Awaited<ReturnType<typeof reader.read>>;
      try {
        r = await reader.read();
      } catch (e) {
        finished = true; // an errored stream has released its decoder already
        throw xzError(what, e);
      }
      if (r.done) {
        finished = true;
        return;
      }
      yield r.value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
  }
}

function xzError(what: string, e: unknown) {
  const text = e instanceof Error ? e.message : String(e);
  // xz-embedded's XZ_MEMLIMIT_ERROR: the stream's dictionary is larger than the decoder allows.
  if (/error code 4\b/.test(text))
    return checkError(
      `${what}: the xz stream needs a dictionary over 64 MiB, more than the reader allows`,
      'Compress it with a standard preset (xz -9 or lower uses at most 64 MiB).',
    );
  return checkError(
    `${what}: not a readable xz stream (${/null|undefined/.test(text) ? 'it ends too early' : text})`,
    'The file is truncated or corrupted; download or build it again.',
  );
}
