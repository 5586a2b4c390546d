import { finalStage, type DockerInstruction, type DockerStage } from '../dockerfile/model';
import type { DockerfileRule } from './rule';

const INITS = /(^|\/)(tini|tini-static|dumb-init|catatonit|s6-svscan|init|docker-init)$/;
const SERVICE_WORDS = /^(serve|server|start|run|daemon|web|api|agent|listen|--port|--listen|--bind|--addr)(=.*)?$/;
const SERVERS = /(^|\/)(nginx|httpd|caddy|gunicorn|uvicorn|puma|unicorn|node|java|envoy|traefik)$/;

function chain(stage: DockerStage): DockerInstruction[] {
  const stages: DockerStage[] = [];
  for (let s: DockerStage | undefined = stage; s; s = s.parent) stages.unshift(s);
  return stages.flatMap((s) => s.instructions);
}

export const noInit: DockerfileRule = {
  id: 'RO-D004',
  kind: 'dockerfile',
  defaultSeverity: 'info',
  title: 'Long-running service without an init process for signal handling',
  explanation:
    'The entrypoint runs as PID 1, and the kernel drops signals that PID 1 has no handler for: `docker stop` and rolling deploys wait the full ' +
    'stop timeout (10 s, 30 s on Kubernetes) and then SIGKILL the service mid-request, and zombie children pile up. Use an init (tini, dumb-init, ' +
    '`docker run --init`) or make sure the service handles SIGTERM itself.',
  check({ model }) {
    const stage = finalStage(model);
    if (!stage) return [];
    const all = chain(stage);
    const entry = all.filter((i) => i.keyword === 'ENTRYPOINT').at(-1);
    const cmd = all.filter((i) => i.keyword === 'CMD').at(-1);
    const first = entry ?? cmd;
    if (!first) return [];
    const argv = [...(entry?.argv ?? []), ...(entry ? [] : (cmd?.argv ?? []))];
    if (INITS.test(argv[0] ?? '')) return [];
    const service =
      all.some((i) => i.keyword === 'EXPOSE' || (i.keyword === 'HEALTHCHECK' && !/^\s*NONE/i.test(i.args))) ||
      [...argv, ...(cmd?.argv ?? [])].some((a) => SERVICE_WORDS.test(a)) ||
      SERVERS.test(argv[0] ?? '');
    if (!service) return [];
    const shell = first.jsonForm ? '' : ' (in shell form, so PID 1 is /bin/sh, which does not forward SIGTERM at all)';
    return [
      {
        message: `${first.keyword} ${argv[0] ?? ''} starts a long-running service as PID 1 with no init${shell}.`,
        region: first.region,
      },
    ];
  },
};
