import { LABEL_REVISION, LABEL_SOURCE, LABEL_VERSION, missingPlatforms, type ImageInfo } from '../../registry';
import { checkResult, type CheckFinding, type CheckResult } from '../../report';

const short = (d: string) => d.slice(0, 19);

/**
 * The pushed image has every required platform. Attestation manifests are folded under the platform they
 * describe (or listed as unattached) and never counted as platforms.
 */
export function platformsCheck(info: ImageInfo, required: readonly string[]): CheckResult {
  const have = info.platforms.map((p) => p.platform);
  const missing = missingPlatforms(info, required);
  const attestations = info.platforms.reduce((n, p) => n + p.attestations.length, info.attestations.length);
  return checkResult({
    id: 'platforms',
    title: 'Platforms',
    summary: missing.length
      ? `${missing.join(', ')} missing from ${info.reference} (it has ${have.join(', ') || 'no platform'})`
      : `${have.length} platform${have.length === 1 ? '' : 's'} (${have.join(', ')}); ${attestations} attestation${attestations === 1 ? '' : 's'}, none counted as a platform`,
    examined: { count: have.length, what: 'platforms', lookedFor: required.join(', ') },
    findings: missing.map((p) => ({
      severity: 'error' as const,
      subject: p,
      message: `${p} is missing from ${info.reference} (it has ${have.join(', ') || 'no platform'})`,
      evidence: { digest: info.digest, platforms: have },
    })),
    evidence: {
      reference: info.reference,
      digest: info.digest,
      kind: info.kind,
      platforms: info.platforms.map(
        (p) =>
          `${p.platform} ${short(p.digest)}${p.attestations.length ? ` (+${p.attestations.length} attestation)` : ''}`,
      ),
      unattachedAttestations: info.attestations.length ? info.attestations.map((a) => short(a.digest)) : undefined,
      required,
    },
    next: missing.length
      ? [{ text: `Build and push ${missing.join(', ')}, assemble the index again, then run this stage again` }]
      : undefined,
  });
}

/** Each platform's OCI labels: version is the release's, revision the released commit, source present. */
export function labelsCheck(info: ImageInfo, version: string | undefined, commit: string | undefined): CheckResult {
  const findings: CheckFinding[] = [];
  let examined = 0;
  for (const p of info.platforms) {
    const labels = p.labels ?? {};
    const at = (key: string, message: string): CheckFinding => ({
      severity: 'error',
      subject: p.platform,
      rule: key,
      message: `${p.platform}: ${message}`,
      evidence: { label: key, value: labels[key] ?? null },
    });
    if (version !== undefined) {
      examined++;
      const v = labels[LABEL_VERSION];
      if (!v) findings.push(at(LABEL_VERSION, `label ${LABEL_VERSION} is missing (expected ${version})`));
      else if (v.replace(/^v/, '') !== version.replace(/^v/, ''))
        findings.push(at(LABEL_VERSION, `label ${LABEL_VERSION} is ${v}, expected ${version}`));
    }
    examined++;
    const rev = labels[LABEL_REVISION];
    if (!rev)
      findings.push(at(LABEL_REVISION, `label ${LABEL_REVISION} is missing${commit ? ` (expected ${commit})` : ''}`));
    else if (
      commit &&
      !(rev === commit || (rev.length >= 7 && commit.startsWith(rev)) || (commit.length >= 7 && rev.startsWith(commit)))
    )
      findings.push(at(LABEL_REVISION, `label ${LABEL_REVISION} is ${rev}, but the released commit is ${commit}`));
    examined++;
    if (!labels[LABEL_SOURCE]) findings.push(at(LABEL_SOURCE, `label ${LABEL_SOURCE} is missing`));
  }
  return checkResult({
    id: 'labels',
    title: 'Labels',
    examined: { count: examined, what: 'labels', lookedFor: `${LABEL_VERSION}, ${LABEL_REVISION}, ${LABEL_SOURCE}` },
    findings,
    evidence: { version, commit },
    next: findings.length
      ? [
          {
            text: 'Build with the labels set (docker/metadata-action sets them; or --label org.opencontainers.image.version=VERSION --label org.opencontainers.image.revision=$GITHUB_SHA --label org.opencontainers.image.source=URL)',
          },
        ]
      : undefined,
  });
}
