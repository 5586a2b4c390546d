import type { DockerfileModel } from '../dockerfile/model';
import type { TextIndex } from '../text';
import type { LintOptions, RawFinding, RuleMeta } from '../types';
import type { WorkflowModel } from '../workflow/model';

export interface DockerfileContext {
  model: DockerfileModel;
  text: TextIndex;
  options: LintOptions;
}

export interface WorkflowContext {
  model: WorkflowModel;
  text: TextIndex;
  options: LintOptions;
  /** The other workflows of the same repository (for rules about publishing paths and reusable workflows). */
  siblings: WorkflowModel[];
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
