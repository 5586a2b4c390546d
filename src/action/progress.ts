import * as core from '@actions/core';
import type { GateEvent } from '../core/gate';
import type { StepRecord } from '../core/assemble';

/**
 * The step's log: one line per check as it ends, and one collapsible group per platform with its smoke steps.
 * Platforms run side by side, so their lines are kept and each group is written whole when its platform ends
 * (the runner's groups cannot interleave).
 */
export function gateProgress(): (e: GateEvent) => void {
  const pending = new Map<string, string[]>();
  return (e) => {
    switch (e.type) {
      case 'stage-started':
        return core.info(`Release Operator ${e.stage}: ${e.image}${e.version ? ` ${e.version}` : ''}`);
      case 'note':
        return core.info(e.message);
      case 'check-started':
        return core.debug(`${e.title}${e.subject ? ` ${e.subject}` : ''} started`);
      case 'check-finished':
        return core.info(
          `${e.check.verdict === 'pass' ? '✓' : '✗'} ${e.check.title}${e.check.subject ? ` ${e.check.subject}` : ''}: ${e.check.summary}`,
        );
      case 'smoke': {
        const s = e.event;
        const lines = (p: string) => pending.get(p) ?? (pending.set(p, []), pending.get(p)!);
        if (s.type === 'step-finished' && !s.step.skipped)
          lines(s.platform).push(
            `${s.step.passed ? 'ok  ' : 'FAIL'} ${s.step.name} (${(s.step.durationMs / 1000).toFixed(1)} s): ${s.step.detail}`,
          );
        else if (s.type === 'output') lines(s.platform).push(`| ${s.line}`);
        else if (s.type === 'platform-finished') {
          core.startGroup(`smoke ${s.platform}: ${s.result.outcome}`);
          for (const l of lines(s.platform)) core.info(l);
          for (const l of s.result.logs ?? []) core.info(`log: ${l}`);
          core.endGroup();
          pending.delete(s.platform);
        }
        return;
      }
    }
  };
}

export function assembleProgress(s: StepRecord): void {
  if (s.status !== 'running') core.info(`${s.name}: ${s.status}: ${s.detail}`);
}
