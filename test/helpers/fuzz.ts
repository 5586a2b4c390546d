import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ReleaseOperatorError } from '../../src/core/errors';
import { recordFigure } from './figures';

/**
 * Mutation fuzzing on top of fast-check: real inputs (seeds) changed the way broken transfers and hostile
 * authors change them. Runs are bounded (RO_FUZZ_RUNS, default 200 per property) and seeded by fast-check,
 * which prints the seed and the shrunk input of a failure so it can be replayed.
 */
export const FUZZ_RUNS = Number(process.env.RO_FUZZ_RUNS ?? 200);

type Mutation = (b: Buffer) => Buffer;

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }).map(({ at, byte }) => (b: Buffer) => {
    const c = Buffer.from(b);
    if (c.length) c[at % c.length] = byte;
    return c;
  }),
  fc.nat().map((at) => (b: Buffer) => b.subarray(0, b.length ? at % b.length : 0)),
  fc.record({ at: fc.nat(), len: fc.nat({ max: 64 }) }).map(({ at, len }) => (b: Buffer) => {
    const i = b.length ? at % b.length : 0;
    return Buffer.concat([b.subarray(0, i), b.subarray(i + len)]);
  }),
  fc.record({ at: fc.nat(), bytes: fc.uint8Array({ maxLength: 32 }) }).map(({ at, bytes }) => (b: Buffer) => {
    const i = b.length ? at % (b.length + 1) : 0;
    return Buffer.concat([b.subarray(0, i), Buffer.from(bytes), b.subarray(i)]);
  }),
  fc
    .record({ at: fc.nat(), len: fc.integer({ min: 1, max: 256 }), times: fc.integer({ min: 2, max: 50 }) })
    .map(({ at, len, times }) => (b: Buffer) => {
      const i = b.length ? at % b.length : 0;
      const chunk = b.subarray(i, i + len);
      return Buffer.concat([b.subarray(0, i), ...Array<Buffer>(times).fill(chunk), b.subarray(i)]);
    }),
);

/** A seed with 1..8 mutations applied. */
export function mutated(seeds: Buffer[]): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 8 }))
    .map(([seed, ms]) => ms.reduce((b, m) => m(b), seed));
}

/** Text seeds mutated as bytes, read back as UTF-8 (invalid sequences become U+FFFD, as an editor would show). */
export function mutatedText(seeds: string[]): fc.Arbitrary<string> {
  return mutated(seeds.map((s) => Buffer.from(s, 'utf8'))).map((b) => b.toString('utf8'));
}

/** The outcome every parser must have on bad input: a ReleaseOperatorError whose message names the input. */
export function assertNamedError(e: unknown, name: string): void {
  if (!(e instanceof ReleaseOperatorError))
    throw new assert.AssertionError({
      message: `expected a ReleaseOperatorError naming ${name}, got: ${e instanceof Error ? e.stack : String(e)}`,
    });
  assert.ok(e.message.includes(name), `the error does not name the input ${name}: ${e.message}`);
}

/**
 * No parser may take this long on one input: the property's "never hangs". Not a speed claim (bench/ makes those):
 * a parse of a few KiB takes microseconds, so only a loop without end or a blow-up gets near it.
 */
const HANG_MS = 5000;

function notHung(started: number, name: string): void {
  const ms = performance.now() - started;
  assert.ok(ms < HANG_MS, `${name} took ${Math.round(ms)} ms: a parser that nearly hangs`);
}

/** Runs a property for FUZZ_RUNS inputs and records the count for the figures; each input must end within HANG_MS. */
export function fuzz<T>(
  kind: string,
  arb: fc.Arbitrary<T>,
  check: (input: T, name: string) => void,
  runs = FUZZ_RUNS,
): void {
  let n = 0;
  fc.assert(
    fc.property(arb, (input) => {
      const name = `fuzz-input-${++n}`;
      const started = performance.now();
      check(input, name);
      notHung(started, name);
    }),
    { numRuns: runs },
  );
  recordFigure('fuzz', kind, { inputs: runs });
}

/** fuzz() for asynchronous parsers (streams): each input also ends within HANG_MS, or the property fails. */
export async function fuzzAsync<T>(
  kind: string,
  arb: fc.Arbitrary<T>,
  check: (input: T, name: string) => Promise<void>,
  runs = FUZZ_RUNS,
): Promise<void> {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(arb, async (input) => {
      const name = `fuzz-input-${++n}`;
      const started = performance.now();
      await check(input, name);
      notHung(started, name);
    }),
    { numRuns: runs, timeout: HANG_MS },
  );
  recordFigure('fuzz', kind, { inputs: runs });
}
