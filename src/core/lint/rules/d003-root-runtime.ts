import { shortName } from '../distro';
import { entrypointOf, instructionsOf, PRIVILEGE_DROP, stageArgs, startsService } from '../dockerfile/entrypoint';
import { substitute, type DockerStage } from '../dockerfile/model';
import { insertAt } from '../text';
import type { Confidence } from '../types';
import type { DockerfileRule } from './rule';

/** Images whose default user is not root. */
const NON_ROOT_BASE = /(:|-)nonroot\b|^cgr\.dev\/chainguard\/|^nginxinc\/nginx-unprivileged|^bitnami\//;
/** Servers whose master process binds the port as root and runs its workers as an unprivileged user. */
const DROPS_ITSELF = /^(nginx|httpd|caddy|haproxy|php)$/;
/** Images known to run as root unless told otherwise; for anything else the base may set USER itself. */
const ROOT_BASE =
  /^(scratch|debian|ubuntu|alpine|busybox|fedora|centos|rockylinux|almalinux|amazonlinux|node|python|golang|rust|ruby|php|openjdk|eclipse-temurin|amazoncorretto|gcr\.io\/distroless\/(?!.*nonroot).*|registry\.access\.redhat\.com\/ubi\d*(\/ubi)?(-minimal|-micro)?)$/;

export const rootRuntime: DockerfileRule = {
  id: 'RO-D003',
  kind: 'dockerfile',
  defaultSeverity: 'warning',
  examines: 'final stages that start a service',
  title: 'Released service runs as root',
  explanation:
    'Without USER the released service runs as uid 0: a remote code execution in the service becomes root in the container, with write access ' +
    'to everything in the image and to mounted volumes, and clusters that enforce runAsNonRoot refuse to start it on release day. Set a non-root USER ' +
    'in the final stage, or drop privileges in the entrypoint (gosu, su-exec, s6-overlay with PUID/PGID): those are recognised and not reported.',
  check({ model, file, repo, examine }) {
    const ep = entrypointOf(model, file, repo);
    // A network service running as root is the risk; a CLI tool image run per command is not reported.
    if (!ep || !startsService(ep)) return [];
    const stage = ep.stage;
    examine('final stages that start a service');
    let root: DockerStage = stage;
    while (root.parent) root = root.parent;
    const baseName = shortName(root.from.name);
    if (NON_ROOT_BASE.test(`${baseName}:${root.from.tag ?? ''}`) || NON_ROOT_BASE.test(baseName)) return [];
    const all = instructionsOf(stage);
    const userIns = all.filter((i) => i.keyword === 'USER').at(-1);
    const user = userIns ? substitute(userIns.args.trim(), stageArgs(model, stage)) : undefined;
    if (user && (/\$/.test(user) || !/^(root|0)(:(root|0))?$/.test(user))) return [];

    // s6-overlay and entrypoints that drop privileges run the service as another user by design.
    const runText = all
      .map((i) => (i.keyword === 'RUN' || i.keyword === 'COPY' || i.keyword === 'ADD' ? i.args : ''))
      .join('\n');
    if (ep.init === '/init' || /s6-overlay/.test(runText) || ep.argv.some((a) => /(^|\/)s6-svscan$/.test(a))) return [];
    if (ep.script?.text && PRIVILEGE_DROP.test(ep.script.text)) return [];
    if (PRIVILEGE_DROP.test(runText) && ep.script) return [];
    if (DROPS_ITSELF.test(baseName) && !ep.first) return [];

    let confidence: Confidence = 'proven';
    const why: string[] = [];
    if (!ROOT_BASE.test(baseName)) {
      confidence = 'possible';
      why.push(`${root.from.resolved} may set its own USER`);
    }
    if (ep.script && ep.script.text === undefined) {
      confidence = confidence === 'proven' ? 'likely' : confidence;
      why.push(`the entrypoint script ${ep.script.path ?? ''} was not read, and it may drop privileges`);
    }
    const ports = all
      .filter((i) => i.keyword === 'EXPOSE')
      .flatMap((i) => i.argv.map((p) => Number(p.split('/')[0])))
      .filter((n) => Number.isFinite(n));
    if (ports.length && ports.every((n) => n < 1024)) {
      confidence = confidence === 'proven' ? 'likely' : confidence;
      why.push(`it listens on port ${ports.join(', ')}, below 1024, which needs root or CAP_NET_BIND_SERVICE`);
    }
    const note = why.length ? ` (${why.join('; ')})` : '';
    if (userIns) {
      return [
        {
          message: `The final stage sets USER ${user}: the released container runs as root${note}.`,
          region: userIns.region,
          confidence,
          evidence: [{ message: `USER ${user}`, region: userIns.region }],
        },
      ];
    }
    const start = stage.instructions.find((i) => i.keyword === 'ENTRYPOINT' || i.keyword === 'CMD');
    const last = stage.instructions.at(-1)?.region ?? stage.fromRegion;
    const edit = start
      ? { region: insertAt(start.region.line), newText: 'USER 65532:65532\n' }
      : { region: insertAt(last.endLine, last.endColumn), newText: '\nUSER 65532:65532' };
    return [
      {
        message:
          `The final stage (${stage.name ?? stage.from.resolved}) has no USER instruction and nothing drops ` +
          `privileges: the released container runs as root${note}.`,
        region: stage.from.region,
        confidence,
        evidence: [
          { message: `final stage, based on ${root.from.resolved}`, region: stage.from.region },
          ...(ep.first
            ? [{ message: `starts ${ep.program ?? ep.argv[0] ?? ''} as root`, region: ep.first.region }]
            : []),
        ],
        suppressLine: stage.fromRegion.line,
        fix: { title: 'Run as a non-root user (USER 65532:65532)', edits: [edit] },
      },
    ];
  },
};
