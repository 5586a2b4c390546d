import { createInterface } from 'node:readline/promises';
import type { CliContext, CliIO } from './framework';

/**
 * The CLI's IO may say whether a person is there to answer (tests set isTTY / confirm); else the real terminal
 * decides.
 */
export type InteractiveIO = CliIO & { isTTY?: boolean; confirm?: (question: string) => Promise<boolean> };

/** Whether there is a person to ask: stdin and stderr (where the question goes) are a terminal. */
export function canAsk(ctx: CliContext): boolean {
  const io = ctx.io as InteractiveIO;
  return io.isTTY ?? Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/** Asks a yes/no question on the terminal; anything but y/yes is no. Ctrl-C (the run's signal) stops the question. */
export async function askYesNo(ctx: CliContext, question: string): Promise<boolean> {
  const io = ctx.io as InteractiveIO;
  if (io.confirm) return io.confirm(question);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `, { signal: ctx.signal })).trim());
  } finally {
    rl.close();
  }
}
