import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { ARTIFACTS, FIXTURES } from '../../helpers/paths';
import { api } from './api';

const SOURCE = 'Release Operator';
const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === SOURCE);

/** Resolves with our diagnostics for `uri` once `done` accepts them (deadline: the extension must lint at all). */
function diagnosticsWhen(
  uri: vscode.Uri,
  done: (d: vscode.Diagnostic[]) => boolean,
  what: string,
  ms = 20_000,
): Promise<vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const d = ours(uri);
      if (!done(d)) return false;
      clearTimeout(timer);
      sub.dispose();
      resolve(d);
      return true;
    };
    const timer = setTimeout(() => {
      sub.dispose();
      reject(
        new Error(
          `${what}: not within ${ms} ms; diagnostics now: ${JSON.stringify(ours(uri).map((d) => [d.code, d.range.start.line]))}. Is registerLint() wired in activate()?`,
        ),
      );
    }, ms);
    const sub = vscode.languages.onDidChangeDiagnostics(() => void check());
    check();
  });
}

describe('lint diagnostics in the editor', () => {
  const dir = path.join(ARTIFACTS, 'vscode', 'lint-workspace');
  before(async () => {
    await api();
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(path.join(dir, '.github', 'workflows'), { recursive: true });
    copyFileSync(path.join(FIXTURES, 'lint/dockerfiles/Dockerfile.ubuntu-drift'), path.join(dir, 'Dockerfile'));
    writeFileSync(path.join(dir, '.github/workflows/broken.yml'), 'on: push\njobs:\n  a:\n    steps: [\n');
  });
  afterEach(() => vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor'));

  it('shows RO-D001 on a drifting Dockerfile, explains it on hover, and fixes it with the quick fix', async () => {
    const uri = vscode.Uri.file(path.join(dir, 'Dockerfile'));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const diags = await diagnosticsWhen(uri, (d) => d.length > 0, 'RO-D001 on the opened Dockerfile');
    assert.deepEqual(
      diags.map((d) => [d.code, d.range.start.line, d.range.start.character, d.severity]),
      [['RO-D001', 0, 5, vscode.DiagnosticSeverity.Error]],
    );
    // The evidence travels as related information: the builder, its build, the COPY --from, the runtime.
    assert.deepEqual(
      (diags[0].relatedInformation ?? []).map((r) => [
        path.basename(r.location.uri.fsPath),
        r.location.range.start.line,
      ]),
      [
        ['Dockerfile', 0],
        ['Dockerfile', 3],
        ['Dockerfile', 6],
        ['Dockerfile', 5],
      ],
    );

    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      uri,
      new vscode.Position(0, 8),
    );
    const text = hovers
      .flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : '')))
      .join('\n');
    assert.match(text, /RO-D001/);
    assert.match(text, /GLIBC_2\.38' not found/);

    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      diags[0].range,
      vscode.CodeActionKind.QuickFix.value,
    );
    assert.ok(
      actions.some((a) => a.title === 'Suppress RO-D001 here with a reasoned comment' && !a.isPreferred),
      `quick fixes offered: ${actions.map((a) => a.title).join(', ')}`,
    );
    const fix = actions.find((a) => a.title === 'Pin the builder to ubuntu 22.04');
    assert.ok(fix?.edit, `quick fixes offered: ${actions.map((a) => a.title).join(', ')}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.equal(doc.lineAt(0).text, 'FROM ubuntu:22.04 AS build');
    await diagnosticsWhen(uri, (d) => d.length === 0, 'the finding disappearing after the fix (debounced re-lint)');
  });

  it('gives a malformed workflow exactly one parse diagnostic', async () => {
    const uri = vscode.Uri.file(path.join(dir, '.github/workflows/broken.yml'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const diags = await diagnosticsWhen(uri, (d) => d.length > 0, 'RO-W000 on the malformed workflow');
    assert.equal(diags.length, 1);
    assert.equal(diags[0].code, 'RO-W000');
    assert.match(diags[0].message, /YAML parse error on line \d+/);
  });
});
