// What linting in the editor needs beyond editor.ts: the lint engine, its parsers and rules. lint/index.ts loads
// this with import() when the first Dockerfile or workflow file is linted (a chunk of its own), not at activation.
export { lintOptions, lintText } from '../../core/lint/engine';
export { readSiblings } from '../../core/lint/project';
export { hoverMarkdown } from './logic';
