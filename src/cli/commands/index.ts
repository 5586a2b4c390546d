import type { Command } from 'commander';
import type { CliRuntime } from '../framework';
import { register as status } from './status';
import { register as glibc } from './glibc';
import { register as smoke } from './smoke';
import { register as cleanup } from './cleanup';
import { register as registry } from './registry';
import { register as lint } from './lint';
import { register as github } from './github';
import { register as audit } from './audit';
import { register as attestations } from './attestations';
import { register as gate } from './gate';
import { register as readiness } from './readiness';
import { register as assemble } from './assemble';
import { register as prune } from './prune';
import { register as size } from './size';
import { register as images } from './images';

/** Every CLI command module; each later engine adds one line here. */
export const COMMANDS: Array<(program: Command, rt: CliRuntime) => void> = [
  status,
  glibc,
  smoke,
  cleanup,
  registry,
  lint,
  github,
  audit,
  attestations,
  gate,
  readiness,
  assemble,
  prune,
  size,
  images,
];
