import * as vscode from 'vscode';
import { imageOfRow, type CheckFinding, type CheckResult } from '../../core/report';

/** What the view knows beside the report: where the repository is, and the version's image reference. */
export interface FixContext {
  root: string;
  version: string;
  /** repository:tag of the version, e.g. 127.0.0.1:5000/acme/rocket:v1.2.3. */
  reference: string;
  dockerfile: string;
  /** The image (its name) of several that the row belongs to. */
  image?: string;
  /** Several images: each image's own context, by name (a row's subject starts with its image's name). */
  images?: Record<string, FixContext>;
}

/** A finding's place in the repository, as a command that opens it there. */
export function openLocation(f: CheckFinding, root: string): vscode.Command | undefined {
  const at = f.location;
  if (!at?.file) return undefined;
  const uri = vscode.Uri.joinPath(vscode.Uri.file(root), at.file);
  const line = Math.max(0, (at.line ?? 1) - 1);
  const col = Math.max(0, (at.column ?? 1) - 1);
  return {
    command: 'vscode.open',
    title: vscode.l10n.t('Open {0}', `${at.file}:${at.line ?? 1}`),
    arguments: [uri, { selection: new vscode.Range(line, col, line, col) }],
  };
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' ? v : undefined);

/**
 * The one action a row offers in the editor, for a check that did not pass: the fix where the editor can do it
 * (roll latest back, open the lint finding, open the failing log step), else the next command (run smoke on
 * that platform, sign in). undefined: a pass, or nothing the editor can do beyond the details.
 */
export function fixOf(c: CheckResult, x: FixContext): vscode.Command | undefined {
  if (c.verdict === 'pass') return undefined;
  if (x.images) {
    // A row of several images: its fix is the one the row has in its own image's report.
    const own = imageOfRow(Object.keys(x.images), c.subject);
    if (own) return fixOf({ ...c, subject: own.subject }, x.images[own.name]);
    // A repository row (the workflows' lint, the release run: no image in its subject) has the same fix in every
    // image's context (one root, one repository).
    const any = Object.values(x.images)[0];
    return !c.subject && any ? fixOf(c, any) : undefined;
  }
  const own = c.next?.find((n) => n.editorCommand)?.editorCommand;
  if (own) return { command: own.id, title: c.next!.find((n) => n.editorCommand)!.text, arguments: own.args };
  const github = /GitHub|sign in|token/i.test(`${c.summary} ${(c.next ?? []).map((n) => n.text).join(' ')}`);
  if (c.verdict === 'environment' && github && ['audit', 'release-run'].includes(c.id))
    return { command: 'releaseOperator.signIn', title: vscode.l10n.t('Sign in to GitHub') };
  switch (c.id) {
    case 'smoke':
      return c.subject
        ? {
            command: 'releaseOperator.runSmokeForPlatform',
            title: vscode.l10n.t('Run the smoke test on {0}', c.subject),
            arguments: [
              {
                id: `readiness/smoke/${c.subject}`,
                data: {
                  reference: x.reference,
                  platform: c.subject,
                  ...(x.image === undefined ? {} : { image: x.image }),
                },
              },
            ],
          }
        : undefined;
    case 'lint': {
      const first = c.findings.find((f) => f.severity === 'error' && f.location) ?? c.findings.find((f) => f.location);
      const open = first && openLocation(first, x.root);
      const where = first?.location && `${first.location.file}:${first.location.line ?? 1}`;
      return open && where ? { ...open, title: vscode.l10n.t('Open the lint finding at {0}', where) } : undefined;
    }
    case 'tag-scheme':
      // A moving tag the release must move (latest on an older version): point it here, with the engine's plan.
      return c.findings.some((f) => f.subject === 'latest')
        ? {
            command: 'releaseOperator.rollback',
            title: vscode.l10n.t('Point latest at {0}', x.version),
            arguments: [{ version: x.version, ...(x.image === undefined ? {} : { image: x.image }) }],
          }
        : undefined;
    case 'glibc':
      return {
        command: 'vscode.open',
        title: vscode.l10n.t('Open {0} (build against the runtime glibc)', x.dockerfile),
        arguments: [vscode.Uri.joinPath(vscode.Uri.file(x.root), x.dockerfile)],
      };
    case 'release-run': {
      const runId = num(c.evidence?.runId);
      return runId
        ? {
            command: 'releaseOperator.showRunLogs',
            title: str(c.evidence?.step)
              ? vscode.l10n.t('Open the log of step {0}', str(c.evidence?.step)!)
              : vscode.l10n.t('Open the run log'),
            arguments: [{ runId, jobId: num(c.evidence?.jobId) }],
          }
        : undefined;
    }
    case 'audit':
      return {
        command: 'releaseOperator.audit',
        title: vscode.l10n.t('Open the release consistency report'),
        ...(x.image === undefined ? {} : { arguments: [{ image: x.image }] }),
      };
    default:
      return undefined;
  }
}
