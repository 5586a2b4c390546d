import type { RecordLookup } from '../record';
import { checkResult, type CheckFinding, type CheckResult } from '../../report';

/** One pushed platform: its manifest in the registry and the config digest that manifest names. */
export interface PushedPlatform {
  platform: string;
  manifestDigest: string;
  configDigest: string;
}

/**
 * What was pushed is what was tested: every pushed platform's image config digest equals the one pre-push's smoke
 * ran (Docker's image ID on the classic image store; a push keeps the config, so equal digests mean the same
 * image). A platform pre-push never recorded is not vouched for.
 */
export function testedCheck(pushed: PushedPlatform[], lookup: RecordLookup, recordPath: string): CheckResult {
  const findings: CheckFinding[] = [];
  let compared = 0;
  for (const p of pushed) {
    const t = lookup.tested.get(p.platform);
    if (!t) {
      findings.push({
        severity: 'error',
        subject: p.platform,
        message: `${p.platform} was pushed, but no pre-push run recorded testing it`,
        evidence: { pushedConfig: p.configDigest },
      });
      continue;
    }
    compared++;
    if (t.configDigest !== p.configDigest)
      findings.push({
        severity: 'error',
        subject: p.platform,
        message: `${p.platform}: the registry holds image ${p.configDigest}, but smoke tested ${t.configDigest} (${t.reference}); a different build was pushed`,
        evidence: {
          pushedConfig: p.configDigest,
          testedConfig: t.configDigest,
          manifest: p.manifestDigest,
          record: t.file,
        },
      });
  }
  const recorded = lookup.files.length;
  return checkResult({
    id: 'tested',
    title: 'Pushed is tested',
    summary:
      compared === 0
        ? `nothing checked: no record of what pre-push tested ${recorded ? 'for these platforms' : `at ${recordPath}`}`
        : findings.length
          ? `${findings.length} of ${pushed.length} platforms differ from what was tested`
          : `${compared} platform${compared === 1 ? '' : 's'}: the pushed image is the one smoke tested`,
    examined: {
      count: compared,
      what: 'platforms',
      lookedFor: `a pre-push record at ${recordPath}`,
      foundInstead: recorded
        ? `${recorded} record file(s) without these platforms`
        : lookup.skipped.join('; ') || 'no record',
    },
    findings: compared === 0 ? [] : findings,
    evidence: {
      pushed: pushed.map((p) => `${p.platform} config ${p.configDigest}`),
      tested: [...lookup.tested.values()].map((t) => `${t.platform} config ${t.configDigest} (${t.flow})`),
      records: lookup.files,
      skippedRecords: lookup.skipped.length ? lookup.skipped : undefined,
    },
    next:
      findings.length || compared === 0
        ? [
            {
              text: 'Run pre-push on the images you push, with the same --record folder, then push exactly those (by digest) and run post-push again',
            },
          ]
        : undefined,
  });
}
