import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { finalStage, parseDockerfile } from '../../lint/dockerfile/model';
import type { DockerfileAnchors } from './smoke';

/**
 * The lines of the repository's Dockerfile a failing smoke step points at (the start command of the final stage;
 * its FROM for a wrong platform), so the Action's annotation lands there. None when the file cannot be read.
 */
export async function dockerfileAnchors(root: string | undefined, dockerfile: string): Promise<DockerfileAnchors> {
  if (!root) return {};
  const text = await readFile(path.resolve(root, dockerfile), 'utf8').catch(() => undefined);
  if (text === undefined) return {};
  try {
    const stage = finalStage(parseDockerfile(text));
    if (!stage) return {};
    const file = path.relative(root, path.resolve(root, dockerfile)).split(path.sep).join('/');
    const start = [...stage.instructions].reverse().find((i) => i.keyword === 'ENTRYPOINT' || i.keyword === 'CMD');
    const at = (r: { line: number; column: number; endLine: number; endColumn: number }) => ({
      file,
      line: r.line,
      column: r.column,
      endLine: r.endLine,
      endColumn: r.endColumn,
    });
    return { start: start ? at(start.region) : undefined, from: at(stage.fromRegion) };
  } catch {
    return {};
  }
}
