import { entrypointOf, scriptHandsOverSignals, startsService } from '../dockerfile/entrypoint';
import type { DockerfileRule } from './rule';

export const noInit: DockerfileRule = {
  id: 'RO-D004',
  kind: 'dockerfile',
  defaultSeverity: 'info',
  examines: 'final stages that start a service',
  title: 'Long-running service without an init process for signal handling',
  explanation:
    'The entrypoint runs as PID 1, and the kernel drops signals that PID 1 has no handler for: unless the service handles SIGTERM itself, ' +
    '`docker stop` and rolling deploys wait the full stop timeout (10 s, 30 s on Kubernetes) and then SIGKILL it mid-request, and zombie children ' +
    'pile up. Many services do handle SIGTERM, so this is information, not a defect: use an init (tini, dumb-init, `docker run --init`) where ' +
    'the service does not. Entrypoints that are an init, or a script that `exec`s the service or traps TERM, are not reported.',
  check({ model, file, repo, examine }) {
    const ep = entrypointOf(model, file, repo);
    if (!ep?.first || ep.init) return [];
    if (ep.script && (ep.script.text === undefined || scriptHandsOverSignals(ep.script.text))) return [];
    if (!startsService(ep)) return [];
    examine('final stages that start a service');
    const shell = ep.first.jsonForm
      ? ''
      : ' (in shell form, so PID 1 is /bin/sh, which does not forward SIGTERM at all)';
    return [
      {
        message: `${ep.first.keyword} ${ep.argv[0] ?? ''} starts a long-running service as PID 1 with no init${shell}; fine if it handles SIGTERM itself.`,
        region: ep.first.region,
        evidence: [
          { message: `PID 1: ${ep.argv[0] ?? ''}`, region: ep.first.region },
          ...(ep.script?.text !== undefined
            ? [
                {
                  message: `${ep.script.path} neither execs the service nor traps TERM`,
                  region: ep.script.copiedAt!.region,
                },
              ]
            : []),
        ],
      },
    ];
  },
};
