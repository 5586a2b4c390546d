import * as vscode from 'vscode';
import { releasedReference, type Facts } from './facts';
import type { ReleaseOperatorServices } from './services';

const TASK_TYPE = 'release-operator';
const COMMANDS = ['lint', 'glibc', 'smoke', 'gate'] as const;
type TaskCommand = (typeof COMMANDS)[number];

interface ReleaseOperatorTaskDefinition extends vscode.TaskDefinition {
  command: TaskCommand;
  args?: string[];
}

// Lint prints compiler-style lines (file:line:col: severity RULE message); the gate's report puts a finding's
// location after it in parentheses. The matchers are contributed in package.json (contributes.problemMatchers).
const MATCHERS: Record<TaskCommand, string[]> = {
  lint: ['$release-operator-lint'],
  glibc: [],
  smoke: [],
  gate: ['$release-operator-lint', '$release-operator-report-problem', '$release-operator-report-warning'],
};

/**
 * The `release-operator` task type: lint, glibc, smoke and gate run the bundled CLI (dist/cli.js, the same engine
 * as the view) in a task terminal, so their output, exit code and findings (Problems panel) follow VS Code's task
 * conventions. The extension host's own executable runs it (as Node: ELECTRON_RUN_AS_NODE in desktop VS Code).
 */
class ReleaseOperatorTaskProvider implements vscode.TaskProvider {
  constructor(
    private readonly services: ReleaseOperatorServices,
    private readonly facts: () => Promise<Facts>,
  ) {}

  async provideTasks(): Promise<vscode.Task[]> {
    const folder = this.services.folder;
    if (!folder) return [];
    const targets = await this.releasedImages();
    const several = targets.length > 1;
    const defs: ReleaseOperatorTaskDefinition[] = [
      { type: TASK_TYPE, command: 'lint' },
      // glibc and smoke need an image: the released tag of the effective version, when there is one (per image, with
      // several: smoke takes that image's settings by --image).
      ...targets.flatMap(({ name, target }) => [
        { type: TASK_TYPE, command: 'glibc' as const, args: [target] },
        { type: TASK_TYPE, command: 'smoke' as const, args: several ? [target, '--image', name] : [target] },
      ]),
      { type: TASK_TYPE, command: 'gate', args: ['--stage', 'pre-release'] },
      ...(several
        ? targets.map(({ name }) => ({
            type: TASK_TYPE,
            command: 'gate' as const,
            args: ['--stage', 'pre-release', '--image', name],
          }))
        : []),
    ];
    return defs.map((d) => this.toTask(d, folder));
  }

  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const def = task.definition as ReleaseOperatorTaskDefinition;
    if (!COMMANDS.includes(def.command)) return undefined;
    const folder = task.scope && typeof task.scope === 'object' ? task.scope : this.services.folder;
    if (!folder) return undefined;
    return this.toTask(def, folder, task.name);
  }

  private toTask(def: ReleaseOperatorTaskDefinition, folder: vscode.WorkspaceFolder, name?: string): vscode.Task {
    const cli = vscode.Uri.joinPath(this.services.context.extensionUri, 'dist', 'cli.js').fsPath;
    const args = [cli, def.command, ...(def.args ?? [])];
    const execution = new vscode.ProcessExecution(process.execPath, args, {
      cwd: folder.uri.fsPath,
      env: { ELECTRON_RUN_AS_NODE: '1' },
    });
    const task = new vscode.Task(
      def,
      folder,
      name ?? [def.command, ...(def.args ?? [])].join(' '),
      TASK_TYPE,
      execution,
      MATCHERS[def.command],
    );
    if (def.command === 'lint' || def.command === 'gate') task.group = vscode.TaskGroup.Test;
    task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, clear: true };
    return task;
  }

  /** IMAGE:TAG of the effective version for each image whose image and version are known. */
  private async releasedImages(): Promise<Array<{ name: string; target: string }>> {
    try {
      const { images } = await this.facts();
      return images.flatMap((i) => {
        const target = releasedReference(i);
        return target ? [{ name: i.name, target }] : [];
      });
    } catch {
      return [];
    }
  }
}

export function registerTasks(services: ReleaseOperatorServices, facts: () => Promise<Facts>): vscode.Disposable {
  return vscode.tasks.registerTaskProvider(TASK_TYPE, new ReleaseOperatorTaskProvider(services, facts));
}
