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
<<<<<<< HEAD
import { register as prune } from './prune';
import { register as size } from './size';
=======
import { register as images } from './images';
>>>>>>> eb01e1e (images command: the repository's images with their Dockerfile, context, platforms and each platform's engine; --discover finds a monorepo's Dockerfiles (folders and Dockerfile.NAME; never dependencies, build output or hidden folders) that no image builds and offers them as images entries, --write starts the list in release-operator.json (only then is anything written); Action bundle rebuilt)

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
<<<<<<< HEAD
  prune,
  size,
=======
  images,
>>>>>>> eb01e1e (images command: the repository's images with their Dockerfile, context, platforms and each platform's engine; --discover finds a monorepo's Dockerfiles (folders and Dockerfile.NAME; never dependencies, build output or hidden folders) that no image builds and offers them as images entries, --write starts the list in release-operator.json (only then is anything written); Action bundle rebuilt)
];
