import * as vscode from 'vscode';
import { redact } from '../core/redact';

/** The scheme of the extension's read-only documents (job logs, reports, inspected manifests, a check's details). */
const DOCUMENT_SCHEME = 'release-operator';

/** A part of a document under its own heading: a job step, a check, a platform. */
export interface Section {
  title: string;
  lines: string[];
}

/**
 * Results that read best as text (a job log, a report) open as read-only virtual documents: nothing asks to be
 * saved, the same result opens the same tab again, and the outline lists the sections (markdown headings).
 */
export class ResultDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly docs = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(DOCUMENT_SCHEME, this);

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.docs.get(uri.path) ?? vscode.l10n.t('This result is no longer available; run the command again.');
  }

  /**
   * Shows `sections` under `title` at release-operator:/<name>.<ext>. Markdown documents get one heading per
   * section (the outline and breadcrumbs then list them); logs and JSON keep their own form under a header line.
   * `reveal`: the title of the section to open at (a failing step), or a test on each line.
   */
  async show(
    name: string,
    title: string,
    sections: Section[],
    options: { language?: 'markdown' | 'log' | 'json'; reveal?: string | ((line: string) => boolean) } = {},
  ): Promise<vscode.TextEditor> {
    const language = options.language ?? 'markdown';
    const ext = language === 'markdown' ? 'md' : language;
    const safe = name.replace(/[^\w.@-]+/g, '-').slice(0, 120);
    const uri = vscode.Uri.from({ scheme: DOCUMENT_SCHEME, path: `/${safe}.${ext}` });
    const out: string[] = language === 'json' ? [] : [language === 'markdown' ? `# ${title}` : `=== ${title} ===`, ''];
    let revealAt: number | undefined;
    for (const s of sections) {
      if (language !== 'json' && s.title) {
        if (s.title === options.reveal) revealAt = out.length;
        out.push(language === 'markdown' ? `## ${s.title}` : `--- ${s.title} ---`, '');
      }
      out.push(...s.lines, '');
    }
    const test = options.reveal;
    if (typeof test === 'function') {
      const i = out.findIndex((l) => test(l));
      revealAt = i >= 0 ? i : undefined;
    }
    // A job log or a container's output may echo a token: the document is an output boundary like a channel.
    this.docs.set(uri.path, redact(out.join('\n')));
    this.changed.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    if (doc.languageId !== language) await vscode.languages.setTextDocumentLanguage(doc, language);
    const editor = await vscode.window.showTextDocument(doc, { preview: true });
    if (revealAt !== undefined) {
      const pos = new vscode.Position(revealAt, 0);
      editor.selection = new vscode.Selection(pos, pos);
      editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.AtTop);
    }
    return editor;
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}
