import { buildPlatforms, isQemuSetup, nativePlatform } from '../workflow/analysis';
import { withMatrix } from '../workflow/model';
import type { Fix } from '../types';
import type { WorkflowRule } from './rule';

const isBuild = (uses?: string, run?: string) =>
  (uses ?? '').split('@')[0] === 'docker/build-push-action' || /\bbuildx\s+build\b[\s\S]*--platform/.test(run ?? '');

export const qemuMissing: WorkflowRule = {
  id: 'RO-W005',
  kind: 'workflow',
  defaultSeverity: 'error',
  title: 'Non-native platform built without QEMU set up',
  explanation:
    'A `RUN` step for linux/arm64 on an amd64 runner needs QEMU binfmt handlers; without them the build fails with "exec format error" halfway ' +
    'through a release (after other platforms may already be pushed). Add docker/setup-qemu-action before the build, or build each platform ' +
    'on a native runner (runs-on: ubuntu-24.04-arm).',
  check({ model }) {
    return model.jobs.flatMap((job) =>
      job.steps.flatMap((step) => {
        if (!isBuild(step.uses?.value, step.run?.value)) return [];
        if (job.steps.slice(0, step.index).some(isQemuSetup)) return [];
        const { values, at } = buildPlatforms(step);
        if (!values || !at) return [];
        const foreign = new Set<string>();
        for (const combo of job.matrix) {
          const native = nativePlatform(job.runsOn && withMatrix(job.runsOn, combo));
          if (!native) return [];
          const raw = withMatrix(
            at === step.run ? (/--platform[= ]+"?([^\s"]+)/.exec(at.value)?.[1] ?? '') : at.value,
            combo,
          );
          for (const p of raw.split(/[\s,]+/).filter(Boolean))
            if (p !== native && !(native === 'linux/amd64' && p === 'linux/386')) foreign.add(p);
        }
        if (foreign.size === 0) return [];
        let fix: Fix | undefined;
        if (step.dashOffset !== undefined) {
          const pos = model.lineCounter.linePos(step.dashOffset);
          const lineStart = model.text.lastIndexOf('\n', step.dashOffset - 1) + 1;
          const indent = model.text.slice(lineStart, step.dashOffset);
          if (/^[ \t]*$/.test(indent)) {
            fix = {
              title: 'Set up QEMU before this build',
              edits: [
                {
                  region: { line: pos.line, column: 1, endLine: pos.line, endColumn: 1 },
                  newText: `${indent}- name: Set up QEMU\n${indent}  uses: docker/setup-qemu-action@v3\n`,
                },
              ],
            };
          }
        }
        return [
          {
            message: `Job "${job.id}" builds ${[...foreign].join(', ')} on a ${job.runsOn} runner with no QEMU set up before this step.`,
            region: at === step.run ? step.run.region : at.region,
            fix,
          },
        ];
      }),
    );
  },
};
