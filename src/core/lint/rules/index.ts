import { glibcDrift } from './d001-glibc-drift';
import { unpinnedRelease } from './d002-unpinned-release';
import { rootRuntime } from './d003-root-runtime';
import { noInit } from './d004-no-init';
import { dependencyOrder } from './d005-dependency-order';
import { shellFormEntrypoint } from './d006-shell-form-entrypoint';
import { badSuppression, dockerfileSyntax, unusedSuppression, workflowSyntax } from './parse-errors';
import type { Rule } from './rule';
import type { RuleMeta } from '../types';
import { pushBeforeSmoke } from './w001-push-before-smoke';
import { halfRelease } from './w002-half-release';
import { releaseTrigger } from './w003-release-trigger';
import { requiredPlatforms } from './w004-required-platforms';
import { qemuMissing } from './w005-qemu-missing';
import { manifestCheck } from './w006-manifest-check';
import { ociLabels } from './w007-oci-labels';
import { unpinnedAction } from './w008-unpinned-action';
import { nativeAssetsOnNewRunner } from './w009-native-assets-new-runner';

/** Rules run in this order; a new rule is added here (and nowhere else) to run. */
export const RULES: Rule[] = [
  glibcDrift,
  unpinnedRelease,
  rootRuntime,
  noInit,
  dependencyOrder,
  shellFormEntrypoint,
  pushBeforeSmoke,
  halfRelease,
  releaseTrigger,
  requiredPlatforms,
  qemuMissing,
  manifestCheck,
  ociLabels,
  unpinnedAction,
  nativeAssetsOnNewRunner,
];

/** Every id a finding can carry, parse errors and suppression checks included (SARIF, hovers, settings). */
export const ALL_RULES: RuleMeta[] = [
  dockerfileSyntax,
  workflowSyntax,
  ...RULES,
  badSuppression,
  unusedSuppression,
].map(({ id, kind, defaultSeverity, title, explanation, examines }) => ({
  id,
  kind,
  defaultSeverity,
  title,
  explanation,
  examines,
}));

export function ruleMeta(id: string): RuleMeta | undefined {
  return ALL_RULES.find((r) => r.id === id);
}
