import type { StageCopy } from '../dockerfile/drift';
import type { DockerfileModel } from '../dockerfile/model';
import type { RepoView } from '../repo';
import type { TextIndex } from '../text';
import type { LintOptions, RawFinding, RuleMeta } from '../types';
import type { WorkflowFacts } from '../workflow/facts';
import type { OpCounter } from '../workflow/graph';
import type { WorkflowModel } from '../workflow/model';

interface ContextBase {
  /** The linted file's repository path. */
  file: string;
  text: TextIndex;
  options: LintOptions;
  /** The other files a rule may read (sibling workflows, the Dockerfile a workflow builds, scripts). */
  repo: RepoView;
  ops: OpCounter;
  /** Counts what the rule selected and judged ("push steps"), so "no finding" can be told from "nothing to judge". */
  examine: (what: string, count?: number) => void;
}

export interface DockerfileContext extends ContextBase {
  model: DockerfileModel;
  /** Every COPY --from between stages with what it carries (computed once for all Dockerfile rules). */
  copies: StageCopy[];
}

export interface WorkflowContext extends ContextBase {
  model: WorkflowModel;
  /** Jobs indexed, pushes and smoke tests found, once for all workflow rules. */
  facts: WorkflowFacts;
}

export interface DockerfileRule extends RuleMeta {
  kind: 'dockerfile';
  check(ctx: DockerfileContext): RawFinding[];
}

export interface WorkflowRule extends RuleMeta {
  kind: 'workflow';
  check(ctx: WorkflowContext): RawFinding[];
}

export type Rule = DockerfileRule | WorkflowRule;
