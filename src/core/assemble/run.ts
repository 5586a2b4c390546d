import { CancelledError, describeError } from '../errors';
import { faultResult } from '../gate';
import { platformMatches } from '../registry';
import { checkResult, readinessReport, type CheckResult } from '../report';
import { cleanCandidate, putIndex, verifyIndex, writeTags } from './apply';
import { planAssemble } from './plan';
import type { AssembleDeps, AssemblePlan, AssembleRequest, AssembleResult, StepName, StepRecord } from './types';

const short = (d: string) => d.slice(0, 19);

/**
 * Merges per-platform pushes into one OCI index and publishes it, in an order where stopping at any point leaves
 * the release's tags as they were or moved only forward:
 *   plan     read the sources (no layer is pulled), build the index, decide every tag and cleanup;
 *   index    PUT the index by digest (no tag moves);
 *   verify   the registry holds the index and every manifest it names; every required platform is there;
 *   tags     the version tag first, then the commit tag, the moving tags last (a newer release keeps its own);
 *   cleanup  candidate tags go only now, and never in a way that breaks an index referring to them.
 * With `dryRun` only the plan is made. Bad input throws 'usage'; everything else ends in the report.
 */
export async function assemble(req: AssembleRequest, deps: AssembleDeps): Promise<AssembleResult> {
  const steps: StepRecord[] = [];
  const step = (name: StepName, status: StepRecord['status'], detail: string) => {
    const existing = steps.find((s) => s.name === name);
    const rec = { name, status, detail };
    if (existing) Object.assign(existing, rec);
    else steps.push(rec);
    deps.onStep?.(rec);
  };
  const checks: CheckResult[] = [];
  const written: string[] = [];
  const context: Record<string, string> = {};
  let plan: AssemblePlan | undefined;
  let digest: string | undefined;
  const finish = (): AssembleResult => {
    for (const name of ['plan', 'index', 'verify', 'tags', 'cleanup'] as const)
      if (!steps.some((s) => s.name === name))
        steps.push({ name, status: 'not-run', detail: req.dryRun ? 'dry run' : 'an earlier step did not pass' });
    const report = readinessReport(checks, {
      image: req.image,
      version: req.version,
      stage: req.dryRun ? 'assemble (dry run)' : 'assemble',
      context,
      basis: plan?.basis,
      now: deps.now,
    });
    const platformDigests = Object.fromEntries((plan?.entries ?? []).map((e) => [e.platform, e.descriptor.digest]));
    return { plan, steps, report, digest, platformDigests, written };
  };
  const fail = (name: StepName, id: string, title: string, what: string, e: unknown) => {
    if (deps.signal?.aborted) throw e instanceof CancelledError ? e : new CancelledError();
    step(name, 'failed', describeError(e).split('\n')[0]);
    checks.push(faultResult({ id, title, what }, e));
  };

  step('plan', 'running', 'reading the sources');
  try {
    plan = await planAssemble(req, deps.registry, deps.config, deps.signal);
  } catch (e) {
    if ((e as { kind?: string }).kind === 'usage') throw e;
    fail('plan', 'sources', 'Sources', 'platforms', e);
    return finish();
  }
  const p = plan;
  context.index = `${p.index.digest} (${p.entries.length} platforms, ${p.entries.reduce((n, e) => n + e.attestations.length, 0)} attestations)`;
  try {
    deps.onPlan?.(p);
  } catch (e) {
    deps.logger?.warn(`the plan listener failed: ${describeError(e)}`);
  }
  const sources = sourcesCheck(p, req.platforms);
  checks.push(sources);
  step('plan', sources.verdict === 'pass' ? 'done' : 'failed', sources.summary);
  if (sources.verdict !== 'pass') return finish();
  if (req.dryRun) {
    context['dry run'] = 'nothing was written';
    return finish();
  }

  step('index', 'running', `PUT ${short(p.index.digest)} by digest`);
  try {
    await putIndex(deps.registry, p, deps.signal);
    digest = p.index.digest;
    step('index', 'done', `${p.repository}@${p.index.digest} written (no tag moved)`);
    await deps.between?.('index');
  } catch (e) {
    fail('index', 'index', 'Index', 'manifests', e);
    return finish();
  }

  step('verify', 'running', 'reading the index and its manifests back');
  try {
    const v = await verifyIndex(deps.registry, p, deps.signal);
    const check = indexCheck(p, v.missing, v.attestations);
    checks.push(check);
    step('verify', check.verdict === 'pass' ? 'done' : 'failed', check.summary);
    if (check.verdict !== 'pass') return finish();
    await deps.between?.('verify');
  } catch (e) {
    fail('verify', 'index', 'Index', 'manifests', e);
    return finish();
  }

  step('tags', 'running', p.tags.map((t) => t.tag).join(', '));
  const held = [...p.held];
  try {
    const outcome = { written, held: [] as Array<{ tag: string; stays: string }> };
    await writeTags(deps.registry, p, deps.signal, () => deps.between?.('tags') ?? Promise.resolve(), outcome);
    held.push(...outcome.held);
    checks.push(tagsWritten(p, written, held));
    step('tags', 'done', written.length ? `wrote ${written.join(', ')}` : 'every tag already pointed at the index');
  } catch (e) {
    fail('tags', 'tags', 'Tags', 'tags', e);
    context['tags written before the fault'] = written.join(', ') || 'none';
    return finish();
  }

  step('cleanup', 'running', p.cleanup.map((c) => c.tag).join(', ') || 'no candidate tags');
  const results: Array<{ tag: string; done: boolean; detail: string }> = [];
  try {
    results.push(
      ...(await Promise.all(
        p.cleanup.map(async (c) => ({ tag: c.tag, ...(await cleanCandidate(deps.registry, p, c, deps.signal)) })),
      )),
    );
    checks.push(cleanupCheck(results));
    step('cleanup', 'done', results.map((r) => r.detail).join('; ') || 'no candidate tags');
  } catch (e) {
    fail('cleanup', 'cleanup', 'Candidate tags', 'tags', e);
  }
  return finish();
}

function sourcesCheck(p: AssemblePlan, required: readonly string[]): CheckResult {
  const missing = required.filter(
    (r) => !p.entries.some((e) => e.descriptor.platform && platformMatches(e.descriptor.platform, r)),
  );
  return checkResult({
    id: 'sources',
    title: 'Sources',
    examined: { count: p.entries.length, what: 'platforms', lookedFor: required.join(', ') },
    findings: missing.map((m) => ({
      severity: 'error' as const,
      subject: m,
      message: `no source holds ${m}; nothing is written without it`,
    })),
    evidence: {
      sources: p.sources.map((s) => `${s.reference} ${short(s.digest)}: ${s.platforms.join(', ')}`),
      index: p.index.digest,
    },
    next: missing.length ? [{ text: `Push ${missing.join(', ')} and pass it as a --source` }] : undefined,
  });
}

function indexCheck(
  p: AssemblePlan,
  missing: string[],
  attestations: Array<{ digest: string; platform?: string }>,
): CheckResult {
  const loose = attestations.filter((a) => !a.platform);
  return checkResult({
    id: 'index',
    title: 'Index',
    summary: missing.length
      ? `${missing.length} manifest(s) the index names are not in the registry`
      : `${p.entries.length} platforms and ${attestations.length} attestations, each attestation under its platform; read back from the registry`,
    examined: { count: 1 + p.entries.length + attestations.length, what: 'manifests' },
    findings: [
      ...missing.map((d) => ({
        severity: 'error' as const,
        subject: d,
        message: `${d} is named by the index but missing from ${p.repository}`,
      })),
      ...loose.map((a) => ({
        severity: 'error' as const,
        subject: a.digest,
        message: `attestation ${short(a.digest)} names no platform of the index`,
      })),
    ],
    evidence: {
      digest: p.index.digest,
      platforms: p.entries.map(
        (e) =>
          `${e.platform} ${short(e.descriptor.digest)}${e.attestations.length ? ` (+${e.attestations.length} attestation)` : ''}`,
      ),
    },
  });
}

function tagsWritten(p: AssemblePlan, written: string[], held: Array<{ tag: string; stays: string }>): CheckResult {
  return checkResult({
    id: 'tags',
    title: 'Tags',
    summary: `${written.length ? `wrote ${written.join(', ')}` : 'every tag already pointed at the index'}${held.length ? `; left ${held.map((h) => `${h.tag} on ${h.stays}`).join(', ')}` : ''}`,
    examined: { count: p.tags.length + held.length, what: 'tags' },
    findings: held.map((h) => ({
      severity: 'info' as const,
      subject: h.tag,
      message: `${h.tag} stays on the newer ${h.stays}`,
    })),
    evidence: {
      order: p.tags.map((t) => t.tag),
      moved: p.tags.filter((t) => t.from && t.from !== t.to).map((t) => `${t.tag} ${short(t.from!)} -> ${short(t.to)}`),
    },
  });
}

function cleanupCheck(results: Array<{ tag: string; done: boolean; detail: string }>): CheckResult {
  return checkResult({
    id: 'cleanup',
    title: 'Candidate tags',
    summary: results.length ? results.map((r) => r.detail).join('; ') : 'no candidate tags to remove',
    // Nothing to remove is not a check that saw nothing: the index and the tags were checked above.
    examined: { count: Math.max(1, results.length), what: 'candidate tags' },
    findings: results
      .filter((r) => !r.done)
      .map((r) => ({ severity: 'warning' as const, subject: r.tag, message: r.detail })),
  });
}
