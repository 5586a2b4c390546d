import { normalizeRepoPath, type RepoView } from '../repo';
import { chainOf } from './facts';
import { finalStage, substitute, type DockerInstruction, type DockerStage, type DockerfileModel } from './model';

/**
 * What the released image starts as PID 1, read from the final stage (and the stages it is built FROM): the
 * init it uses, the program that init starts, and, when that program is a script copied from the build
 * context, the script's text (so the rules can see `exec "$@"`, a TERM trap or a privilege drop in it).
 */
export interface Entrypoint {
  stage: DockerStage;
  entry?: DockerInstruction;
  cmd?: DockerInstruction;
  /** The instruction that decides PID 1 (ENTRYPOINT, else CMD). */
  first?: DockerInstruction;
  argv: string[];
  /** tini, dumb-init, s6's /init, catatonit, docker-init when PID 1 is one of them. */
  init?: string;
  /** The program the init starts (or PID 1 itself when there is no init). */
  program?: string;
  script?: { path: string; text?: string; copiedAt?: DockerInstruction };
}

const INIT = /(^|\/)(tini|tini-static|dumb-init|catatonit|docker-init|s6-svscan|init)$/;

export function instructionsOf(stage: DockerStage): DockerInstruction[] {
  return chainOf(stage).flatMap((s) => s.instructions);
}

/** ARG defaults visible in the stage (global ones first), for USER $UID and similar. */
export function stageArgs(model: DockerfileModel, stage: DockerStage): Record<string, string> {
  const vars = { ...model.args };
  for (const i of instructionsOf(stage)) {
    if (i.keyword !== 'ARG' && i.keyword !== 'ENV') continue;
    for (const m of i.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S+)/g))
      vars[m[1]] = substitute(m[2].replace(/^["']|["']$/g, ''), vars);
  }
  return vars;
}

export function entrypointOf(model: DockerfileModel, file: string, repo?: RepoView): Entrypoint | undefined {
  const stage = finalStage(model);
  if (!stage) return undefined;
  const all = instructionsOf(stage);
  const entry = all.filter((i) => i.keyword === 'ENTRYPOINT').at(-1);
  const cmd = all.filter((i) => i.keyword === 'CMD').at(-1);
  const argv = entry ? [...entry.argv, ...(entry.jsonForm && cmd?.jsonForm ? cmd.argv : [])] : (cmd?.argv ?? []);
  const out: Entrypoint = { stage, entry, cmd, first: entry ?? cmd, argv };
  let k = 0;
  if (argv[0] && INIT.test(argv[0])) {
    out.init = argv[0];
    k = 1;
    while (k < argv.length && argv[k].startsWith('-')) k++;
  }
  out.program = argv[k];
  // `bash start.sh` / `sh -c ...`: the script is the first argument.
  if (
    out.program &&
    /^(\/bin\/|\/usr\/bin\/)?(ba|da|a)?sh$/.test(out.program) &&
    argv[k + 1] &&
    !argv[k + 1].startsWith('-')
  )
    out.program = argv[k + 1];
  if (
    out.program &&
    (/\.(sh|bash)$/.test(out.program) || /entrypoint|start|run\b|docker-/.test(out.program.split('/').pop()!))
  ) {
    const base = out.program.split('/').pop()!;
    const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
    out.script = { path: out.program };
    for (const i of [...all].reverse()) {
      if (i.keyword !== 'COPY' && i.keyword !== 'ADD') continue;
      const srcs = i.argv.slice(0, -1).filter((a) => !a.startsWith('--'));
      const dest = i.argv.at(-1) ?? '';
      const src = srcs.find(
        (s) => s.split('/').pop() === base || (srcs.length === 1 && dest.split('/').pop() === base),
      );
      if (!src) continue;
      if (i.flags.from) {
        out.script = { path: out.program, copiedAt: i }; // built in another stage: its text is not in the repository
        break;
      }
      const candidates = [normalizeRepoPath(src), normalizeRepoPath(`${dir}/${src}`)].filter((p): p is string =>
        Boolean(p),
      );
      const path = candidates.find((p) => repo?.has(p)) ?? candidates[0];
      out.script = { path, text: path ? repo?.read(path) : undefined, copiedAt: i };
      break;
    }
  }
  return out;
}

/** A shell script that replaces itself with the service (`exec "$@"`, `exec app`) or forwards TERM itself. */
export function scriptHandsOverSignals(text: string): boolean {
  return /^\s*exec\s+\S/m.test(text) || /\btrap\b[^\n]*\b(TERM|SIGTERM|15|INT)\b/.test(text);
}

/** gosu, su-exec, s6-setuidgid, setpriv, runuser, chroot --userspec, `su -c`: the script drops root itself. */
export const PRIVILEGE_DROP =
  /\b(gosu|su-exec|s6-setuidgid|s6-applyuidgid|setpriv|runuser|chpst\s+-u|chroot\s+--userspec|su\s+-[sc]|su\s+\S+\s+-c)\b/;

const SERVICE_WORDS = /^(serve|server|start|run|daemon|web|api|agent|listen|--port|--listen|--bind|--addr)(=.*)?$/;
const SERVERS = /(^|\/)(nginx|httpd|caddy|gunicorn|uvicorn|puma|unicorn|node|java|envoy|traefik)$/;

/** Does the image start a long-running service (it exposes a port, has a health check, or says serve/start)? */
export function startsService(ep: Entrypoint): boolean {
  return (
    instructionsOf(ep.stage).some(
      (i) => i.keyword === 'EXPOSE' || (i.keyword === 'HEALTHCHECK' && !/^\s*NONE/i.test(i.args)),
    ) ||
    [...ep.argv, ...(ep.cmd?.argv ?? [])].some((a) => SERVICE_WORDS.test(a)) ||
    SERVERS.test(ep.argv[0] ?? '')
  );
}
