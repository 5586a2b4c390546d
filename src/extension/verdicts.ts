import * as vscode from 'vscode';
import type { Verdict } from '../core/report';

/** A verdict of the readiness model in the display language (the CLI and the Action keep core's English labels). */
export function verdictLabel(verdict: Verdict): string {
  switch (verdict) {
    case 'pass':
      return vscode.l10n.t('pass');
    case 'problem':
      return vscode.l10n.t('problem');
    case 'nothing-checked':
      return vscode.l10n.t('nothing checked');
    case 'environment':
      return vscode.l10n.t('could not run');
  }
}
