import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { FIXTURES } from '../../helpers/paths';
import { api, fixture } from './api';

const TYPE = 'release-operator';

/** Resolves when `task`'s process ends, with its exit code. */
function ended(execution: vscode.TaskExecution, ms = 120_000): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`the task did not end within ${ms} ms`));
    }, ms);
    const sub = vscode.tasks.onDidEndTaskProcess((e) => {
      if (e.execution !== execution) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(e.exitCode);
    });
  });
}

/** The diagnostics of `uri` once there are some (the problem matcher reports them as the output streams). */
function diagnosticsOf(uri: vscode.Uri, ms = 30_000): Promise<vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const d = vscode.languages.getDiagnostics(uri);
      if (!d.length) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(d);
    };
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`no diagnostics for ${uri.fsPath} within ${ms} ms`));
    }, ms);
    const sub = vscode.languages.onDidChangeDiagnostics(check);
    check();
  });
}

describe('release-operator tasks (Tasks: Run Task, the Problems panel)', () => {
  const workspace = () => vscode.workspace.workspaceFolders![0];
  // Inside the repository (lint refuses files outside it), in a folder no other test reads.
  const dir = () => path.join(workspace().uri.fsPath, 'task-lint');
  before(async () => {
    await api();
    mkdirSync(dir(), { recursive: true });
    copyFileSync(path.join(FIXTURES, 'lint/dockerfiles/Dockerfile.ubuntu-drift'), path.join(dir(), 'Dockerfile'));
  });
  after(() => rmSync(dir(), { recursive: true, force: true }));

  it('offers lint, glibc, smoke and gate for the repository, glibc and smoke on the released image', async () => {
    const tasks = await vscode.tasks.fetchTasks({ type: TYPE });
    const byCommand = new Map(tasks.map((t) => [t.definition.command as string, t]));
    assert.deepEqual([...byCommand.keys()].sort(), ['gate', 'glibc', 'lint', 'smoke']);
    const released = `${fixture().image}:v1.2.3`;
    assert.deepEqual(byCommand.get('glibc')!.definition.args, [released]);
    assert.deepEqual(byCommand.get('smoke')!.definition.args, [released]);
    assert.deepEqual(byCommand.get('gate')!.definition.args, ['--stage', 'pre-release']);
    for (const t of tasks) {
      assert.equal(t.source, TYPE);
      assert.equal((t.scope as vscode.WorkspaceFolder).uri.toString(), workspace().uri.toString());
      const exec = t.execution as vscode.ProcessExecution;
      assert.ok(exec instanceof vscode.ProcessExecution, `${t.name} runs a process`);
      assert.match(exec.args[0], /dist[\\/]cli\.js$/, `${t.name} runs the bundled CLI`);
      assert.equal(exec.args[1], t.definition.command);
    }
    assert.deepEqual(byCommand.get('lint')!.problemMatchers, ['$release-operator-lint']);
  });

  it('runs a lint task whose finding lands in the Problems panel at its line and column', async () => {
    const lint = (await vscode.tasks.fetchTasks({ type: TYPE })).find((t) => t.definition.command === 'lint')!;
    const exec = lint.execution as vscode.ProcessExecution;
    const file = path.join(dir(), 'Dockerfile');
    // The provided task with one more argument, as a tasks.json entry with "args": ["task-lint/Dockerfile"] is.
    const task = new vscode.Task(
      { type: TYPE, command: 'lint', args: ['task-lint/Dockerfile'] },
      workspace(),
      'lint task-lint/Dockerfile',
      TYPE,
      new vscode.ProcessExecution(exec.process, [...exec.args, 'task-lint/Dockerfile'], exec.options),
      lint.problemMatchers,
    );
    const uri = vscode.Uri.file(file);
    assert.deepEqual(vscode.languages.getDiagnostics(uri), [], 'no diagnostics before the task ran');
    const execution = await vscode.tasks.executeTask(task);
    const [code, diagnostics] = await Promise.all([ended(execution), diagnosticsOf(uri)]);
    assert.equal(code, 1, 'lint exits 1 on an error finding');
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.character, d.severity]),
      [['RO-D001', 0, 5, vscode.DiagnosticSeverity.Error]],
    );
    assert.match(diagnostics[0].message, /glibc/);
    assert.equal(diagnostics[0].source, 'Release Operator');
  });
});
