import type { RuleMeta } from '../types';

/** Not rules that run, but ids for the one finding a file that cannot be parsed gets. */
export const dockerfileSyntax: RuleMeta = {
  id: 'RO-D000',
  kind: 'dockerfile',
  defaultSeverity: 'error',
  title: 'Dockerfile cannot be parsed',
  explanation:
    'The build would stop at this line before producing any image, and no other rule can judge the file until it parses. Fix the syntax first.',
};

export const workflowSyntax: RuleMeta = {
  id: 'RO-W000',
  kind: 'workflow',
  defaultSeverity: 'error',
  title: 'Workflow cannot be parsed',
  explanation:
    'GitHub refuses a workflow file that is not valid YAML, so the release never starts (and a tag push goes unanswered). No other rule can judge the file until it parses.',
};
