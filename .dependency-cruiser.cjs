// The layering as checked rules (`npm run depcruise`, a step of `npm test`): the engine (src/core) never imports
// a face or an editor/CI toolkit, the faces (src/extension, src/cli, src/action) never import each other, no
// import cycle anywhere (type imports count), and a folder with an index.ts is entered through it.
// docs/architecture.md draws the layers these rules hold; test/unit/foundation/layers.test.ts runs the same
// config on test/fixtures/layers, where every rule must fire. Paths are relative to the folder it runs in.
const { existsSync, readdirSync } = require('node:fs');
const path = require('node:path');

const FACES = ['extension', 'cli', 'action'];

/** Folders under src with an index.ts: their face. Found on disk, so a new folder with an index.ts is held too. */
function faceFolders(dir = 'src') {
  if (!existsSync(dir)) return [];
  const here = existsSync(path.join(dir, 'index.ts')) && dir !== 'src' ? [dir] : [];
  const subfolders = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory());
  return [...here, ...subfolders.flatMap((e) => faceFolders(path.posix.join(dir, e.name)))];
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The module a folder belongs to: src/<layer>/<name>. Inside one module files reach each other freely (the lint
 * engine reads its rules folder's files); the face guards the module from the rest of the house.
 */
const moduleOf = (folder) => folder.split('/').slice(0, 3).join('/');

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-not-vscode',
      comment: 'The engine runs in the CLI and the Action too: it never imports the editor API (types included).',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: ['^vscode$', '(^|/)node_modules/@types/vscode/'] },
    },
    {
      name: 'core-not-ci-toolkit',
      comment: "The Action's toolkit (@actions/*) belongs to the Action face; the engine stays face-free.",
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: ['^@actions/', '(^|/)node_modules/@actions/'] },
    },
    {
      name: 'no-async-hooks',
      comment:
        "No AsyncLocalStorage or async hooks: once used, Node 20 runs hooks on every promise of the process (the editor's extension host: every extension's). An operation rides on its calls' signals (src/core/operation.ts).",
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(node:)?async_hooks$' },
    },
    {
      name: 'core-not-faces',
      comment: 'Dependencies point down: the engine never imports a face.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: `^src/(${FACES.join('|')})/` },
    },
    ...FACES.map((face) => ({
      name: `faces-apart-${face}`,
      comment: 'The faces are thin and independent: what two faces share belongs in the engine.',
      severity: 'error',
      from: { path: `^src/${face}/` },
      to: { path: `^src/(${FACES.filter((f) => f !== face).join('|')})/` },
    })),
    {
      name: 'no-circular',
      comment: 'No import cycles (type imports count): give the shared types a home both sides import.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...faceFolders().map((folder) => ({
      name: `through-face:${folder}`,
      comment: `${folder} has an index.ts: from outside ${moduleOf(folder)}, import the folder, not the files behind it.`,
      severity: 'error',
      from: { path: '^src/', pathNot: `^${escape(moduleOf(folder))}/` },
      to: { path: `^${escape(folder)}/`, pathNot: `^${escape(folder)}/index\\.ts$` },
    })),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are edges too: a cycle of types is still a cycle a reader has to untangle.
    tsPreCompilationDeps: true,
    tsConfig: existsSync('tsconfig.json') ? { fileName: 'tsconfig.json' } : undefined,
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
    exclude: { path: '^(dist|out|node_modules)/' },
  },
};
