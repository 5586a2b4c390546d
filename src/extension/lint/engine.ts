// What linting in the editor needs beyond editor.ts: the lint engine, its parsers and rules. lint/index.ts loads
// this with import() when the first Dockerfile or workflow file is linted (a chunk of its own), not at activation.
export { lintDocument, lintOptions } from '../../core/lint/engine';
export { repoViewFor } from '../../core/lint/project';
export { suppressionEdit } from '../../core/lint/suppress';
export { hoverMarkdown } from './logic';
