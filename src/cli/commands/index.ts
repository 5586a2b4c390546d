import type { Command } from 'commander';
import type { CliRuntime } from '../framework';
import { register as status } from './status';

/** Every CLI command module; each later engine adds one line here. */
export const COMMANDS: Array<(program: Command, rt: CliRuntime) => void> = [status];
