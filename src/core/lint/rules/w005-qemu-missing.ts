import { neededStages, stagePlatform, targetStage } from '../dockerfile/facts';
import { normalizePlatform } from '../platform';
import type { Confidence, Fix, RawFinding } from '../types';
import { actionName, buildPlatforms, buildsOf, isQemuSetup, nativePlatform, shellCommands } from '../workflow/analysis';
import { withMatrix } from '../workflow/model';
import type { WorkflowRule } from './rule';

const isBuild = (uses?: string, run?: string) =>
  /^(docker|useblacksmith|depot)\/(build-push|bake)-action$/.test(actionName(uses)) ||
  shellCommands(run ?? '').some(
    (c) => /\b(buildx\s+(build|bake)|docker\s+build)\b/.test(c) && /--platform|--set/.test(c),
  );

export const qemuMissing: WorkflowRule = {
  id: 'RO-W005',
  kind: 'workflow',
  defaultSeverity: 'error',
  examines: 'builds for a platform other than the runner’s',
  title: 'Non-native platform built without QEMU, and the Dockerfile runs commands for it',
  explanation:
    'A `RUN` step for linux/arm64 on an amd64 runner needs QEMU binfmt handlers; without them the build fails with "exec format error" halfway ' +
    'through a release (after other platforms may already be pushed). Add docker/setup-qemu-action before the build, or build each platform ' +
    'on a native runner (runs-on: ubuntu-24.04-arm). Cross-compiling Dockerfiles, whose compiling stages run on FROM --platform=$BUILDPLATFORM ' +
    'and whose target stages only COPY, run nothing under emulation and are not reported. When the Dockerfile cannot be read, the finding is ' +
    'information only.',
  check({ model, repo, examine }) {
    const out: RawFinding[] = [];
    for (const job of model.jobs) {
      let qemu = false;
      for (const step of job.steps) {
        if (isQemuSetup(step, repo)) qemu = true;
        if (qemu || !isBuild(step.uses?.value, step.run?.value)) continue;
        const { perCombo, at } = buildPlatforms(step, model, repo);
        const foreign = new Set<string>();
        let runner = '';
        job.matrix.forEach((combo, k) => {
          const label = job.runsOn && withMatrix(job.runsOn, combo);
          const native = nativePlatform(label);
          const list = perCombo[k];
          if (!native || !list) return; // a self-hosted runner or an expression: nothing can be said
          runner = label ?? '';
          for (const p of list) if (p !== native && !(native === 'linux/amd64' && p === 'linux/386')) foreign.add(p);
        });
        if (foreign.size === 0) continue;
        examine('builds for a platform other than the runner’s');
        const builds = buildsOf(step, model, repo);
        let confidence: Confidence = 'possible';
        const evidence: NonNullable<RawFinding['evidence']> = [];
        let why =
          'the Dockerfile it builds could not be read, so it is not known whether it runs commands for those platforms';
        if (builds?.length) {
          const runs: Array<{ file: string; line: number; region: RawFinding['region']; stage: string }> = [];
          let unread = false;
          for (const b of builds) {
            const df = repo.dockerfile(b.dockerfile);
            if (!df) {
              unread = true;
              continue;
            }
            const target = targetStage(df, b.target);
            if (!target) {
              unread = true;
              continue;
            }
            for (const s of neededStages(df, target)) {
              const where = stagePlatform(s);
              if (where.kind === 'build') continue;
              if (where.kind === 'fixed' && [...foreign].every((f) => normalizePlatform(where.platform!) !== f))
                continue;
              const run = s.instructions.find((i) => i.keyword === 'RUN');
              if (run)
                runs.push({
                  file: b.dockerfile,
                  line: run.region.line,
                  region: run.region,
                  stage: s.name ?? s.from.resolved,
                });
            }
          }
          if (runs.length) {
            confidence = 'proven';
            why = `${runs[0].file} runs commands in stage "${runs[0].stage}" (line ${runs[0].line}) for the target platform`;
            for (const r of runs.slice(0, 3))
              evidence.push({
                message: `RUN in stage "${r.stage}" executes for each target platform`,
                region: r.region,
                file: r.file,
              });
          } else if (!unread) continue; // cross-compiled: target stages only COPY
        }
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
        const region = at && at !== step.run ? at.region : (step.run?.region ?? step.uses?.region ?? step.region);
        out.push({
          message: `Job "${job.id}" builds ${[...foreign].join(', ')} on a ${runner} runner with no QEMU set up before this step, and ${why}.`,
          region,
          confidence,
          evidence: [{ message: `builds ${[...foreign].join(', ')} on ${runner}`, region }, ...evidence],
          suppressLine: step.region.line,
          fix,
        });
      }
    }
    return out;
  },
};
