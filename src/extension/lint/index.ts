import path from 'node:path';
import * as vscode from 'vscode';
import type { ReleaseOperatorConfig } from '../../core/config/schema';
import { describeError } from '../../core/errors';
import type { Finding } from '../../core/lint/types';
import type * as EngineModule from './engine';
import type { Logger } from '../../core/log';
import { Debouncer, edits0, findingFor, lintKindFor, toRange0, type Range0 } from './editor';

export interface LintDeps {
  logger: Logger;
  getConfig: () => Promise<ReleaseOperatorConfig>;
}

export interface LintFace {
  /** Findings currently shown, over all documents (for the Release panel). */
  findingsCount(): number;
  onDidChange: vscode.Event<void>;
}

const SOURCE = 'Release Operator';
const DEBOUNCE_MS = 300;
const SEVERITY: Record<Finding['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

const range = (r: Range0) => new vscode.Range(r.startLine, r.startCharacter, r.endLine, r.endCharacter);

/**
 * Lint diagnostics for Dockerfiles and workflow files: on open, on change (debounced), cleared on close;
 * hovers explain the rule, quick fixes apply the mechanical fixes. Every callback catches its own errors
 * and logs them: nothing here may throw into the extension host.
 */
export function registerLint(context: vscode.ExtensionContext, deps: LintDeps): LintFace {
  const collection = vscode.languages.createDiagnosticCollection('release-operator-lint');
  const findings = new Map<string, Finding[]>();
  /** The text each document's findings were computed on (the suppression quick fix reads its indentation). */
  const texts = new Map<string, string>();
  const changed = new vscode.EventEmitter<void>();
  const debouncer = new Debouncer(DEBOUNCE_MS);
  /** The lint engine, loaded with the first document to lint (hovers have nothing to say before that). */
  let engine: typeof EngineModule | undefined;
  let loadingEngine: Promise<typeof EngineModule> | undefined;
  const loadEngine = () => (loadingEngine ??= import('./engine').then((m) => (engine = m)));
  const guard =
    <A extends unknown[], R>(what: string, fn: (...a: A) => R, fallback: R) =>
    (...a: A): R => {
      try {
        return fn(...a);
      } catch (e) {
        deps.logger.error(`lint: ${what} failed: ${describeError(e)}`);
        return fallback;
      }
    };

  async function lint(doc: vscode.TextDocument): Promise<void> {
    try {
      const kind = lintKindFor(doc.uri);
      if (!kind || doc.isClosed) return;
      const version = doc.version;
      const [{ lintOptions, lintDocument, repoViewFor }, config] = await Promise.all([loadEngine(), deps.getConfig()]);
      const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
      const root = folder?.uri.fsPath ?? path.dirname(doc.uri.fsPath);
      const file = path.relative(root, doc.uri.fsPath).split(path.sep).join('/');
      const text = doc.getText();
      const options = lintOptions(config);
      const repo = await repoViewFor(root, file, { text, kind }, options);
      if (doc.isClosed || doc.version !== version) return; // a newer edit will lint again
      const result = lintDocument({ file, text, kind, repo }, options, (id, e) =>
        deps.logger.warn(`lint: rule ${id} failed on ${file} and was skipped: ${describeError(e)}`),
      );
      if (result.suppressed.length)
        deps.logger.info(
          `lint: ${file}: ${result.suppressed.length} finding(s) suppressed: ${result.suppressed
            .map((f) => `${f.ruleId} line ${f.region.line} (${f.suppression.reason})`)
            .join('; ')}`,
        );
      findings.set(doc.uri.toString(), result.findings);
      texts.set(doc.uri.toString(), text);
      collection.set(
        doc.uri,
        result.findings.map((f) => toDiagnostic(f, root)),
      );
      changed.fire();
    } catch (e) {
      deps.logger.error(`lint: could not lint ${doc.uri.fsPath}: ${describeError(e)}`);
    }
  }

  function toDiagnostic(f: Finding, root: string): vscode.Diagnostic {
    const d = new vscode.Diagnostic(range(toRange0(f.region)), f.message, SEVERITY[f.severity]);
    d.source = SOURCE;
    d.code = f.ruleId;
    // The evidence the finding rests on: the builder stage, the COPY --from line, the step that should run first.
    d.relatedInformation = f.evidence.map(
      (e) =>
        new vscode.DiagnosticRelatedInformation(
          new vscode.Location(vscode.Uri.file(path.join(root, e.file)), range(toRange0(e.region))),
          e.message,
        ),
    );
    return d;
  }

  const forget = (doc: vscode.TextDocument) => {
    const key = doc.uri.toString();
    debouncer.cancel(key);
    texts.delete(key);
    if (findings.delete(key)) {
      collection.delete(doc.uri);
      changed.fire();
    }
  };

  const selector: vscode.DocumentSelector = [{ scheme: 'file' }];
  context.subscriptions.push(
    collection,
    changed,
    { dispose: () => debouncer.dispose() },
    vscode.workspace.onDidOpenTextDocument(guard('open', (doc) => void lint(doc), undefined)),
    vscode.workspace.onDidChangeTextDocument(
      guard(
        'change',
        (e) => {
          if (lintKindFor(e.document.uri)) debouncer.schedule(e.document.uri.toString(), () => void lint(e.document));
        },
        undefined,
      ),
    ),
    vscode.workspace.onDidCloseTextDocument(guard('close', forget, undefined)),
    // Settings or release-operator.json may change severities: lint what is open again.
    vscode.workspace.onDidChangeConfiguration(
      guard(
        'configuration',
        (e) => {
          if (e.affectsConfiguration('releaseOperator'))
            for (const doc of vscode.workspace.textDocuments) void lint(doc);
        },
        undefined,
      ),
    ),
    vscode.languages.registerHoverProvider(selector, {
      provideHover: guard(
        'hover',
        (doc: vscode.TextDocument, pos: vscode.Position) => {
          const md = engine?.hoverMarkdown(
            findings.get(doc.uri.toString()) ?? [],
            pos.line,
            pos.character,
            vscode.l10n,
          );
          return md ? new vscode.Hover(new vscode.MarkdownString(md)) : undefined;
        },
        undefined,
      ),
    }),
    vscode.languages.registerCodeActionsProvider(
      selector,
      {
        provideCodeActions: guard(
          'code actions',
          (doc: vscode.TextDocument, _r: vscode.Range | vscode.Selection, ctx: vscode.CodeActionContext) => {
            const mine = findings.get(doc.uri.toString()) ?? [];
            return ctx.diagnostics.flatMap((d) => {
              if (d.source !== SOURCE) return [];
              const f = findingFor(mine, typeof d.code === 'object' ? String(d.code.value) : String(d.code), {
                startLine: d.range.start.line,
                startCharacter: d.range.start.character,
                endLine: d.range.end.line,
                endCharacter: d.range.end.character,
              });
              if (!f) return [];
              const actions: vscode.CodeAction[] = [];
              if (f.fix) {
                const action = new vscode.CodeAction(f.fix.title, vscode.CodeActionKind.QuickFix);
                action.edit = new vscode.WorkspaceEdit();
                for (const e of edits0(f.fix.edits)) action.edit.replace(doc.uri, range(e), e.newText);
                action.diagnostics = [d];
                action.isPreferred = true;
                actions.push(action);
              }
              if (engine && !f.ruleId.startsWith('RO-L')) {
                // Silencing is always offered, never preferred: the comment's TODO reason keeps RO-L001 reporting it
                // until someone writes why the finding does not apply.
                const action = new vscode.CodeAction(
                  vscode.l10n.t('Suppress {0} here with a reasoned comment', f.ruleId),
                  vscode.CodeActionKind.QuickFix,
                );
                action.edit = new vscode.WorkspaceEdit();
                const [e] = edits0([engine.suppressionEdit(texts.get(doc.uri.toString()) ?? doc.getText(), f)]);
                action.edit.replace(doc.uri, range(e), e.newText);
                action.diagnostics = [d];
                actions.push(action);
              }
              return actions;
            });
          },
          [] as vscode.CodeAction[],
        ),
      },
      { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] },
    ),
  );
  for (const doc of vscode.workspace.textDocuments) void lint(doc);

  return {
    findingsCount: () => [...findings.values()].reduce((n, list) => n + list.length, 0),
    onDidChange: changed.event,
  };
}
