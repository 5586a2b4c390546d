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
    'GitHub refuses a workflow file that is not valid YAML, so the release never starts (and a tag push ' +
    'goes unanswered). No other rule can judge the file until it parses.',
};

/** The findings about suppression comments themselves. */
export const badSuppression: RuleMeta = {
  id: 'RO-L001',
  kind: 'any',
  defaultSeverity: 'warning',
  title: 'Suppression comment silences nothing',
  explanation:
    'A `# release-operator-ignore RO-XXXX: reason` comment needs a known rule id and a reason after the colon, and must stand on a line of ' +
    'its own above the instruction or step (in a workflow it may also end the line). Without a reason nobody can tell later whether the ' +
    'finding was judged or just silenced, so such a comment silences nothing until it says why.',
};

export const unusedSuppression: RuleMeta = {
  id: 'RO-L002',
  kind: 'any',
  defaultSeverity: 'info',
  title: 'Suppression comment is not needed',
  explanation:
    'The rule it names reports nothing on the line it stands above (the problem was fixed, or the rule no longer fires there). Remove the ' +
    'comment, so that it cannot hide a new finding later.',
};
