import { redact } from './redact';

/** The engine logs through this shape; the CLI writes it to stderr, the extension to a LogOutputChannel. */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type LogLevel = keyof Logger;
const LEVELS: LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

export const nullLogger: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** A logger that redacts secrets and drops messages below a level before handing them to a sink. */
export function createLogger(sink: (level: LogLevel, message: string) => void, minLevel: LogLevel = 'info'): Logger {
  const min = LEVELS.indexOf(minLevel);
  const make = (level: LogLevel) => (message: string) => {
    if (LEVELS.indexOf(level) >= min) sink(level, redact(message));
  };
  return { trace: make('trace'), debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
}
