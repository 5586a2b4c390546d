/**
 * What modules that stay vscode-free (so they are unit-tested as plain data) translate with: the caller passes
 * `vscode.l10n`; tests and the default use English. Calls are written `l10n.t('...')` so `@vscode/l10n-dev export`
 * finds their strings like any other.
 */
export interface Translator {
  t(message: string, ...args: Array<string | number | boolean>): string;
}

/** The English source strings with {0}, {1}... filled in: what vscode.l10n.t returns without a bundle. */
export const english: Translator = {
  t: (message, ...args) =>
    message.replace(/\{(\d+)\}/g, (m, i: string) => (Number(i) < args.length ? String(args[Number(i)]) : m)),
};
