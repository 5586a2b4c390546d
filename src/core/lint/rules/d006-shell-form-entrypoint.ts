import { instructionsOf } from '../dockerfile/entrypoint';
import { finalStage } from '../dockerfile/model';
import type { DockerfileRule } from './rule';

export const shellFormEntrypoint: DockerfileRule = {
  id: 'RO-D006',
  kind: 'dockerfile',
  defaultSeverity: 'warning',
  examines: 'ENTRYPOINT and CMD instructions of final stages',
  title: 'Runtime ENTRYPOINT or CMD in shell form',
  explanation:
    'Shell form runs the command as `/bin/sh -c "..."`: the shell is PID 1 and does not pass SIGTERM on, so every stop or deploy ends in a SIGKILL ' +
    'after the timeout, and in a scratch or distroless image there is no /bin/sh at all and the container fails at start ("exec: /bin/sh: no such file"). ' +
    'Use exec form: ENTRYPOINT ["/app", "serve"]. A shell-form CMD after an exec-form ENTRYPOINT (such as ["tini", "--"]) is not reported: ' +
    'the ENTRYPOINT is PID 1 then.',
  check({ model, examine }) {
    const stage = finalStage(model);
    if (!stage) return [];
    const chain = instructionsOf(stage);
    const entry = chain.filter((i) => i.keyword === 'ENTRYPOINT').at(-1);
    const decisive = [entry ?? chain.filter((i) => i.keyword === 'CMD').at(-1)].filter(
      (i): i is NonNullable<typeof i> => Boolean(i) && stage.instructions.includes(i!),
    );
    examine('ENTRYPOINT and CMD instructions of final stages', decisive.length);
    return decisive
      .filter((i) => !i.jsonForm && i.args.trim())
      .map((i) => {
        // Only a plain word list converts mechanically; anything the shell would interpret needs a person.
        const plain = !/[$&|;<>`()*?'"\\~{}\n]/.test(i.args);
        return {
          message:
            `${i.keyword} ${i.args.trim()} is in shell form: /bin/sh becomes PID ` +
            `1${/scratch|distroless/.test(stage.from.resolved) ? ' (and this image has no /bin/sh)' : ''}.`,
          region: i.region,
          evidence: [{ message: `${i.keyword} in shell form decides PID 1`, region: i.region }],
          fix: plain
            ? {
                title: 'Convert to exec form',
                edits: [
                  { region: i.argsRegion, newText: JSON.stringify(i.args.trim().split(/\s+/)).replace(/","/g, '", "') },
                ],
              }
            : undefined,
        };
      });
  },
};
