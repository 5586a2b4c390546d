// A display-language switch for the code-server tests: VS Code shows a language (and hands it to extensions as
// vscode.env.language, which picks package.nls.<lang>.json and l10n/bundle.l10n.<lang>.json) only when a language
// pack for it is installed; with `--locale zh-cn` alone it falls back to English. Microsoft's Chinese language pack
// comes from the marketplace, which these offline tests cannot reach, so this writes a pack that declares the
// language and translates none of the workbench's own strings (they stay English). Only the extension's own
// translations, the thing under test, are real.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '../..');

/** Packages a language pack for `locale` under `dir` and returns the .vsix path. */
export function makeLanguagePack(locale, dir) {
  const ext = join(dir, `language-pack-${locale}`);
  mkdirSync(join(ext, 'translations'), { recursive: true });
  writeFileSync(
    join(ext, 'package.json'),
    JSON.stringify(
      {
        name: `test-language-pack-${locale}`,
        displayName: `Test language pack (${locale})`,
        description: 'Declares a display language for the extension tests; translates nothing of the workbench.',
        publisher: 'release-operator-tests',
        version: '1.0.0',
        license: 'MIT',
        repository: { type: 'git', url: 'https://github.com/release-operator/release-operator' },
        engines: { vscode: '^1.100.0' },
        categories: ['Language Packs'],
        contributes: {
          localizations: [
            {
              languageId: locale,
              languageName: locale,
              localizedLanguageName: locale,
              translations: [{ id: 'vscode', path: './translations/main.i18n.json' }],
            },
          ],
        },
      },
      null,
      2,
    ),
  );
  writeFileSync(join(ext, 'translations/main.i18n.json'), JSON.stringify({ version: '1.0.0', contents: {} }));
  writeFileSync(join(ext, 'README.md'), 'Test language pack.\n');
  writeFileSync(join(ext, 'LICENSE'), 'MIT\n');
  const vsix = join(dir, `language-pack-${locale}.vsix`);
  const vsce = join(root, 'node_modules/@vscode/vsce/vsce');
  const r = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--out', vsix], {
    cwd: ext,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`packaging the ${locale} language pack failed: ${r.stderr || r.stdout}`);
  return vsix;
}

/**
 * Writes the user data's languagepacks.json for the installed pack (what VS Code writes when it installs one
 * itself), so the server resolves `locale` to it.
 */
export function registerLanguagePack(locale, extensionsDir, userDataDir) {
  const id = `release-operator-tests.test-language-pack-${locale}`;
  const folder = join(extensionsDir, `${id}-1.0.0`);
  writeFileSync(
    join(userDataDir, 'languagepacks.json'),
    JSON.stringify({
      [locale]: {
        hash: `test-${locale}-1`,
        extensions: [{ extensionIdentifier: { id }, version: '1.0.0' }],
        translations: { vscode: join(folder, 'translations/main.i18n.json') },
        label: locale,
      },
    }),
  );
}
