import { finalStage, type DockerStage } from '../dockerfile/model';
import { insertAt } from '../text';
import type { DockerfileRule } from './rule';

/** The last USER in the stage or the stages it is built FROM. */
function lastUser(stage: DockerStage | undefined): { user: string; line: number } | undefined {
  for (let s = stage; s; s = s.parent) {
    const u = s.instructions.filter((i) => i.keyword === 'USER').at(-1);
    if (u) return { user: u.args.trim(), line: u.region.line };
  }
  return undefined;
}

export const rootRuntime: DockerfileRule = {
  id: 'RO-D003',
  kind: 'dockerfile',
  defaultSeverity: 'warning',
  title: 'Runtime stage runs as root',
  explanation:
    'Without USER the released container runs as uid 0: a remote code execution in the service becomes root in the container, with write access ' +
    'to everything in the image and to mounted volumes, and clusters that enforce runAsNonRoot refuse to start it on release day. Set a non-root USER in the final stage.',
  check({ model }) {
    const stage = finalStage(model);
    if (!stage) return [];
    let root = stage;
    while (root.parent) root = root.parent;
    if (/nonroot/.test(root.from.tag ?? '')) return []; // distroless :nonroot and friends set USER themselves
    const user = lastUser(stage);
    if (user && !/^(root|0)(:(root|0))?$/.test(user.user)) return [];
    if (user) {
      const ins = [stage, ...parents(stage)].flatMap((s) => s.instructions).find((i) => i.region.line === user.line)!;
      return [
        { message: `The final stage sets USER ${user.user}: the released container runs as root.`, region: ins.region },
      ];
    }
    // Before the first ENTRYPOINT/CMD, or after the stage's last instruction.
    const start = stage.instructions.find((i) => i.keyword === 'ENTRYPOINT' || i.keyword === 'CMD');
    const last = stage.instructions.at(-1)?.region ?? stage.fromRegion;
    const edit = start
      ? { region: insertAt(start.region.line), newText: 'USER 65532:65532\n' }
      : { region: insertAt(last.endLine, last.endColumn), newText: '\nUSER 65532:65532' };
    return [
      {
        message: `The final stage (${stage.name ?? stage.from.resolved}) has no USER instruction: the released container runs as root.`,
        region: stage.from.region,
        fix: { title: 'Run as a non-root user (USER 65532:65532)', edits: [edit] },
      },
    ];
  },
};

function parents(stage: DockerStage): DockerStage[] {
  const out: DockerStage[] = [];
  for (let s = stage.parent; s; s = s.parent) out.push(s);
  return out;
}
