import * as core from '@actions/core';
import { usageError } from '../core/errors';
import type { GateStage } from '../core/gate';

export const ACTION_STAGES = ['pre-push', 'post-push', 'pre-release', 'post-release', 'assemble'] as const;
export type ActionStage = GateStage | 'assemble';

/** The Action's inputs (action.yml), read once and checked; empty inputs are undefined. */
export interface ActionInputs {
  stage: ActionStage;
  image?: string;
  version?: string;
  commit?: string;
  platforms?: string[];
  /** [IMAGE:]PLATFORM=REF or REF, one per line; parsed against the configured images' names (gate/select.ts). */
  localImages?: string[];
  candidates?: string[];
  reference?: string;
  record?: string;
  skip?: string[];
  timeoutSeconds?: number;
  githubToken?: string;
  summary: boolean;
  docker?: string;
  workingDirectory?: string;
  keepCandidates: boolean;
  requireSignature: boolean;
  releaseAssets: boolean;
  dryRun: boolean;
}

const text = (name: string) => core.getInput(name).trim() || undefined;
/** A list written one per line or comma-separated, as docker/build-push-action's list inputs. */
const list = (name: string) => {
  const items = core
    .getMultilineInput(name)
    .flatMap((l) => l.split(','))
    .map((s) => s.trim())
    .filter((s) => s && !s.startsWith('#'));
  return items.length ? items : undefined;
};
const flag = (name: string, fallback: boolean) => {
  const v = text(name)?.toLowerCase();
  if (v === undefined) return fallback;
  if (['true', 'on', 'yes', '1'].includes(v)) return true;
  if (['false', 'off', 'no', '0'].includes(v)) return false;
  throw usageError(`Input ${name} must be on or off (true/false), not '${v}'.`);
};

export function readInputs(): ActionInputs {
  const stage = text('stage');
  if (!stage || !(ACTION_STAGES as readonly string[]).includes(stage))
    throw usageError(
      `Input stage must be one of ${ACTION_STAGES.join(', ')}${stage ? `, not '${stage}'` : ''}.`,
      'Set `with: stage: pre-push` (and the other stages in their own steps).',
    );
  const timeout = text('timeout');
  const timeoutSeconds = timeout === undefined ? undefined : Number(timeout);
  if (timeoutSeconds !== undefined && (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1))
    throw usageError(`Input timeout must be a whole number of seconds, not '${timeout}'.`);
  return {
    stage: stage as ActionStage,
    image: text('image'),
    version: text('version')?.replace(/^v(?=\d)/, ''),
    commit: text('commit'),
    platforms: list('platforms'),
    localImages: list('local-images'),
    candidates: list('candidates'),
    reference: text('reference'),
    record: text('record'),
    skip: list('skip'),
    timeoutSeconds,
    githubToken: text('github-token'),
    summary: flag('summary', true),
    docker: text('docker'),
    workingDirectory: text('working-directory'),
    keepCandidates: flag('keep-candidates', false),
    requireSignature: flag('require-signature', false),
    releaseAssets: flag('release-assets', false),
    dryRun: flag('dry-run', false),
  };
}
