import { parseDockerfile, type DockerfileModel } from './dockerfile/model';
import { parseWorkflow, type WorkflowModel } from './workflow/model';

export interface RepoFile {
  /** POSIX path relative to the repository root. */
  file: string;
  text: string;
}

/** `./a/../b` -> `b`; leading `./` and `/` dropped; undefined for paths that climb out of the root. */
export function normalizeRepoPath(p: string): string | undefined {
  const out: string[] = [];
  for (const part of p.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (!out.length) return undefined;
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

/**
 * The other files of the repository a rule may look at (sibling workflows, the Dockerfile a workflow builds,
 * a bake file, a local action, an entrypoint script), read beforehand by whoever runs the lint: rules stay
 * synchronous and never touch the file system. Parsed models are made once per view.
 */
export class RepoView {
  private readonly files = new Map<string, string>();
  private readonly workflowModels = new Map<string, WorkflowModel>();
  private readonly dockerfileModels = new Map<string, DockerfileModel>();

  constructor(
    files: RepoFile[] = [],
    /** owner/name, when known. */
    readonly repository?: string,
  ) {
    for (const f of files) {
      const p = normalizeRepoPath(f.file);
      if (p !== undefined) this.files.set(p, f.text);
    }
  }

  read(file: string): string | undefined {
    const p = normalizeRepoPath(file);
    return p === undefined ? undefined : this.files.get(p);
  }

  has(file: string): boolean {
    return this.read(file) !== undefined;
  }

  add(file: RepoFile): void {
    const p = normalizeRepoPath(file.file);
    if (p !== undefined) this.files.set(p, file.text);
  }

  /** .github/workflows/*.y(a)ml, in path order. */
  workflowFiles(): string[] {
    return [...this.files.keys()].filter((f) => /^\.github\/workflows\/[^/]+\.ya?ml$/i.test(f)).sort();
  }

  workflow(file: string): WorkflowModel | undefined {
    const p = normalizeRepoPath(file);
    if (p === undefined) return undefined;
    const text = this.files.get(p);
    if (text === undefined) return undefined;
    let m = this.workflowModels.get(p);
    if (!m) this.workflowModels.set(p, (m = parseWorkflow(p, text)));
    return m;
  }

  dockerfile(file: string): DockerfileModel | undefined {
    const p = normalizeRepoPath(file);
    if (p === undefined) return undefined;
    const text = this.files.get(p);
    if (text === undefined) return undefined;
    let m = this.dockerfileModels.get(p);
    if (!m) this.dockerfileModels.set(p, (m = parseDockerfile(text)));
    return m.syntaxError ? undefined : m;
  }
}
