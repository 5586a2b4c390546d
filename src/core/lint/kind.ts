import type { FileKind } from './types';

/** Dockerfile, Containerfile, Dockerfile.prod, app.dockerfile, Dockerfile.rust-drift. */
export function isDockerfilePath(file: string): boolean {
  const base = file.split(/[\\/]/).pop() ?? '';
  return /^(docker|container)file([.-].*)?$/i.test(base) || /\.(docker|container)file$/i.test(base);
}

export function isWorkflowPath(file: string): boolean {
  return /(^|[\\/])\.github[\\/]workflows[\\/][^\\/]+\.ya?ml$/i.test(file);
}

/** The kind a path is linted as; YAML files named explicitly count as workflows. Undefined: not lintable. */
export function fileKind(file: string, explicit = false): FileKind | undefined {
  if (isWorkflowPath(file)) return 'workflow';
  if (isDockerfilePath(file) && !/\.(ya?ml|json)$/i.test(file)) return 'dockerfile';
  if (explicit && /\.ya?ml$/i.test(file)) return 'workflow';
  return undefined;
}
