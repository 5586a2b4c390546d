import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type * as TS from 'typescript';
import { REPO_ROOT } from '../../helpers/paths';

const readJson = (f: string) => JSON.parse(readFileSync(path.join(REPO_ROOT, f), 'utf8'));
const pkg = readJson('package.json');
const nls: Record<string, string> = readJson('package.nls.json');
const nlsZh: Record<string, string> = readJson('package.nls.zh-cn.json');
const bundle: Record<string, string> = readJson('l10n/bundle.l10n.json');
const bundleZh: Record<string, string> = readJson('l10n/bundle.l10n.zh-cn.json');

/** English texts that stay as they are in Chinese: the product's name, a label key, git's own words. */
const TERMS_ONLY = new Set([
  'Release Operator',
  'label org.opencontainers.image.revision {0}',
  'git tag {0} {1}',
  '= git tag {0}, label {1}',
]);

/** The placeholders ({0}), command links and inline code a translation must keep as they are. */
const keep = (s: string) =>
  [...s.matchAll(/\{\d+\}|\(command:[^)]+\)|`[^`]+`|\*\*|\$\([a-z~-]+\)/g)].map((m) => m[0]).sort();

function assertTranslated(english: Record<string, string>, chinese: Record<string, string>, what: string): void {
  const missing = Object.keys(english).filter((k) => typeof chinese[k] !== 'string' || !chinese[k].trim());
  assert.deepEqual(missing, [], `${what}: keys without a zh-cn translation`);
  const extra = Object.keys(chinese).filter((k) => !(k in english));
  assert.deepEqual(extra, [], `${what}: zh-cn keys no English string has (stale)`);
  for (const [k, en] of Object.entries(english)) {
    assert.deepEqual(keep(chinese[k]), keep(en), `${what} ${k}: placeholders, links and code kept`);
    // A "translation" without Chinese is a missing one, unless the text is names and terms engineers keep as is.
  }
  const english2 = Object.entries(english).filter(
    ([k, en]) => /[a-z]{3,} [a-z]{3,}/i.test(en) && !TERMS_ONLY.has(en) && !/[\u4e00-\u9fff]/.test(chinese[k]),
  );
  assert.deepEqual(
    english2.map(([k]) => k),
    [],
    `${what}: translations without Chinese`,
  );
}

/** Every string the manifest shows, by where it sits: each must be a %placeholder%. */
function shownManifestStrings(): Array<[string, unknown]> {
  const c = pkg.contributes;
  const out: Array<[string, unknown]> = [
    ['displayName', pkg.displayName],
    ['description', pkg.description],
    ['capabilities.untrustedWorkspaces.description', pkg.capabilities.untrustedWorkspaces.description],
    ['capabilities.virtualWorkspaces.description', pkg.capabilities.virtualWorkspaces.description],
    ['configuration.title', c.configuration.title],
  ];
  for (const v of c.viewsContainers.activitybar) out.push([`viewsContainers ${v.id}`, v.title]);
  for (const v of Object.values<any[]>(c.views).flat())
    out.push([`view ${v.id}`, v.name], [`view ${v.id} contextualTitle`, v.contextualTitle]);
  for (const w of c.viewsWelcome) out.push([`viewsWelcome ${w.when}`, w.contents]);
  for (const cmd of c.commands)
    out.push([`${cmd.command} title`, cmd.title], [`${cmd.command} category`, cmd.category]);
  for (const w of c.walkthroughs) {
    out.push([`walkthrough ${w.id}`, w.title], [`walkthrough ${w.id} description`, w.description]);
    for (const s of w.steps) out.push([`step ${s.id}`, s.title], [`step ${s.id} description`, s.description]);
  }
  for (const t of c.taskDefinitions)
    for (const [k, p] of Object.entries<any>(t.properties)) out.push([`task ${t.type}.${k}`, p.description]);
  for (const m of c.problemMatchers) out.push([`problemMatcher ${m.name}`, m.label]);
  for (const [k, p] of Object.entries<any>(c.configuration.properties)) {
    out.push([`${k} title`, p.title], [`${k} description`, p.markdownDescription]);
    if (p.patternErrorMessage) out.push([`${k} patternErrorMessage`, p.patternErrorMessage]);
  }
  return out.filter(([, v]) => v !== undefined);
}

describe('zh-cn localization', () => {
  it('shows every manifest string through package.nls.json (no literal text in package.json)', () => {
    const shown = shownManifestStrings();
    assert.ok(shown.length > 150, `found ${shown.length} shown strings`);
    for (const [where, v] of shown) {
      assert.equal(typeof v, 'string', where);
      const m = /^%([^%]+)%$/.exec(v as string);
      assert.ok(m, `${where}: ${JSON.stringify(v)} is not a %placeholder%`);
      assert.ok(m[1] in nls, `${where}: ${m[1]} is missing from package.nls.json`);
    }
    // And package.nls.json holds nothing the manifest does not use.
    const used = new Set(
      JSON.stringify(pkg)
        .match(/%[^%"]+%/g)!
        .map((s) => s.slice(1, -1)),
    );
    assert.deepEqual(
      Object.keys(nls).filter((k) => !used.has(k)),
      [],
      'package.nls.json keys the manifest does not use',
    );
  });

  it('translates every manifest key to zh-cn', () => assertTranslated(nls, nlsZh, 'package.nls.zh-cn.json'));

  it('translates every string of the l10n bundle to zh-cn', () =>
    assertTranslated(bundle, bundleZh, 'l10n/bundle.l10n.zh-cn.json'));

  it('has a current l10n/bundle.l10n.json (npm run l10n)', () => {
    assert.equal(pkg.l10n, './l10n');
    const out = mkdtempSync(path.join(os.tmpdir(), 'ro-l10n-'));
    try {
      const cli = path.join(REPO_ROOT, 'node_modules/@vscode/l10n-dev/dist/cli.js');
      const r = spawnSync(process.execPath, [cli, 'export', '--outDir', out, path.join(REPO_ROOT, 'src/extension')], {
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(
        JSON.parse(readFileSync(path.join(out, 'bundle.l10n.json'), 'utf8')),
        bundle,
        'l10n/bundle.l10n.json is stale: run npm run l10n and translate the new strings',
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('shows no English sentence in src/extension that bypasses vscode.l10n.t (static check)', () => {
    const findings = untranslatedLiterals(path.join(REPO_ROOT, 'src/extension'));
    assert.deepEqual(findings, [], 'wrap these in vscode.l10n.t (or l10n.t in vscode-free files)');
  });

  it('the static check finds a bare message and accepts a translated one', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ro-l10n-src-'));
    try {
      const file = path.join(dir, 'sample.ts');
      writeFileSync(
        file,
        "import * as vscode from 'vscode';\n" +
          "void vscode.window.showInformationMessage('Smoke test passed on every platform');\n" +
          "void vscode.window.showInformationMessage(vscode.l10n.t('Smoke test passed on {0}', 'x'));\n" +
          "logger.info('smoke: started the run');\n",
      );
      assert.deepEqual(untranslatedLiterals(dir), [`sample.ts:2 'Smoke test passed on every platform'`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Text the extension leaves in English on purpose, with why. Everything else that reads like words must go through
 * l10n.t. engines.ts adapts engine results (its words join the engine's English reports), and output channel
 * names are the names the README and the logs use.
 */
const EXEMPT_FILES = new Set(['engines.ts']);
const EXEMPT_TEXT = new Set(['Release Operator', 'Release Operator: Containers', 'settings (releaseOperator.*)']);
/** Calls whose arguments are not shown to the user as UI text: logs, ids, errors for the log. */
const NOT_SHOWN_CALL =
  /(^|\.)(logger\.(trace|debug|info|warn|error)|log\.(trace|debug|info|warn|error)|guard|executeCommand|registerCommand|getConfiguration|createStatusBarItem|createTreeView|get|has|startsWith|endsWith|includes|replace|split|join|match|test|t)$/;

function untranslatedLiterals(dir: string): string[] {
  const ts = createRequire(path.join(REPO_ROOT, 'package.json'))('typescript') as typeof TS;
  const files = (function walk(d: string): string[] {
    return readdirSync(d).flatMap((f) => {
      const p = path.join(d, f);
      return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
    });
  })(dir);
  const out: string[] = [];
  for (const file of files) {
    if (EXEMPT_FILES.has(path.basename(file))) continue;
    const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: TS.Node): void => {
      if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return;
      if (ts.isCallExpression(node) && NOT_SHOWN_CALL.test(node.expression.getText(src))) return;
      if (
        ts.isPropertyAssignment(node) &&
        /^(id|contextValue|command|icon|iconColor|type|language)$/.test(node.name.getText(src))
      )
        return;
      if (ts.isBinaryExpression(node) && /^(===|!==|==|!=)$/.test(node.operatorToken.getText(src))) return;
      if (ts.isElementAccessExpression(node) || ts.isCaseClause(node)) return;
      const text =
        ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)
          ? node.text
          : ts.isTemplateExpression(node)
            ? [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(' ')
            : undefined;
      // Words a person reads: two words of letters in a row. Ids, paths, codicons and format glue do not.
      if (text !== undefined && /[A-Za-z]{2,} [A-Za-z]{2,}/.test(text) && !EXEMPT_TEXT.has(text)) {
        const line = src.getLineAndCharacterOfPosition(node.getStart(src)).line + 1;
        out.push(`${path.relative(dir, file)}:${line} ${node.getText(src).slice(0, 80)}`);
        return;
      }
      ts.forEachChild(node, visit);
    };
    visit(src);
  }
  return out;
}
