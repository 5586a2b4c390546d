import type { ReleaseOperatorConfig } from '../config/schema';
import { platformMatches } from '../registry';
import { checkResult, type Basis, type CheckFinding, type CheckResult } from '../report';
import type { SizeReport } from './types';
import { formatGrowth, formatSize, parseGrowth, parseSize, type Growth } from './units';

interface Budget {
  bytes: number;
  /** As written ("150MB"), and where ("size.budget"). */
  text: string;
  key: string;
}

export interface SizeBudgets {
  budget?: Budget;
  /** By platform (os/arch[/variant]), instead of `budget`. */
  platforms: Record<string, Budget>;
  growth?: { growth: Growth; text: string; key: string };
}

/** Whether the configuration sets any size budget (the gate's post-push stage checks size only then). */
export function hasSizeBudget(config: ReleaseOperatorConfig): boolean {
  return Boolean(config.size.budget || config.size.maxGrowth || Object.keys(config.size.platformBudgets).length);
}

/** The budgets the configuration sets (sizes are checked by the schema; a bad one here is a usage error). */
export function budgetsFromConfig(config: ReleaseOperatorConfig): SizeBudgets {
  const s = config.size;
  return {
    budget: s.budget ? { bytes: parseSize(s.budget, 'size.budget'), text: s.budget, key: 'size.budget' } : undefined,
    platforms: Object.fromEntries(
      Object.entries(s.platformBudgets).map(([p, v]) => [
        p,
        { bytes: parseSize(v, `size.platformBudgets.${p}`), text: v, key: `size.platformBudgets.${p}` },
      ]),
    ),
    growth: s.maxGrowth
      ? { growth: parseGrowth(s.maxGrowth, 'size.maxGrowth'), text: s.maxGrowth, key: 'size.maxGrowth' }
      : undefined,
  };
}

/**
 * One readiness row per platform: its compressed size against its absolute budget, and its growth since the
 * previous release against the growth budget. A platform with no budget that applies (none configured, or only
 * a growth budget and no previous release) examined nothing and says what it looked for: it never passes.
 */
export function sizeChecks(report: SizeReport, budgets: SizeBudgets): CheckResult[] {
  return report.image.platforms.map((p) => {
    const findings: CheckFinding[] = [];
    const basis: Basis[] = [];
    const said: string[] = [`${formatSize(p.compressed)} compressed`];
    let count = 0;
    const absolute =
      Object.entries(budgets.platforms).find(([want]) => platformMatches(parsePlatform(p.platform), want))?.[1] ??
      budgets.budget;
    if (absolute) {
      count++;
      basis.push({
        subject: `size budget ${p.platform}`,
        value: absolute.text,
        source: 'configured',
        detail: absolute.key,
      });
      said[0] += ` (budget ${absolute.text})`;
      if (p.compressed > absolute.bytes)
        findings.push({
          severity: 'error',
          rule: 'size-budget',
          subject: p.platform,
          message: `${p.platform} is ${formatSize(p.compressed)} compressed, over its budget of ${absolute.text} (${absolute.key}) by ${formatSize(p.compressed - absolute.bytes)}`,
          evidence: { size: p.compressed, budget: absolute.bytes, budgetText: absolute.text },
        });
    }
    const delta = report.deltas.find((d) => d.platform === p.platform);
    const prev = report.previous;
    if (prev && delta?.growth !== undefined && delta.previous !== undefined) {
      basis.push({ subject: 'previous release', value: prev.tag, source: 'inferred', detail: prev.why });
      if (report.scheme) basis.push(report.scheme);
      said.push(`${formatGrowth(delta.growth)} since ${prev.tag}`);
      if (budgets.growth) {
        count++;
        const limit =
          'bytes' in budgets.growth.growth
            ? budgets.growth.growth.bytes
            : Math.floor((delta.previous * budgets.growth.growth.percent) / 100);
        basis.push({
          subject: 'growth budget',
          value: budgets.growth.text,
          source: 'configured',
          detail: budgets.growth.key,
        });
        said[said.length - 1] += ` (growth budget ${budgets.growth.text})`;
        if (delta.growth > limit)
          findings.push({
            severity: 'error',
            rule: 'size-growth',
            subject: p.platform,
            message: `${p.platform} grew ${formatGrowth(delta.growth)} (${percent(delta.growth, delta.previous)}) since ${prev.tag}, to ${formatSize(delta.current)}: over the growth budget of ${budgets.growth.text} (${budgets.growth.key}${'percent' in budgets.growth.growth ? `: ${formatSize(limit)} of ${formatSize(delta.previous)}` : ''})`,
            evidence: {
              growth: delta.growth,
              limit,
              previous: delta.previous,
              size: delta.current,
              previousTag: prev.tag,
            },
          });
      }
    } else if (delta && prev) said.push(`new since ${prev.tag}`);
    if (budgets.growth && (!prev || delta?.previous === undefined))
      findings.push({
        severity: 'info',
        rule: 'size-growth',
        subject: p.platform,
        message: `growth budget ${budgets.growth.text} not checked: ${prev ? `${prev.tag} has no ${p.platform}` : (report.noPrevious ?? 'no previous release')}`,
      });
    const biggest = [...p.layers].sort((a, b) => b.size - a.size)[0];
    const lookedFor =
      budgets.growth && !prev
        ? `a size budget (size.budget, size.platformBudgets); the growth budget needs a previous release (${report.noPrevious ?? 'none found'})`
        : 'a size budget (size.budget, size.platformBudgets) or a growth budget (size.maxGrowth)';
    return checkResult({
      id: 'size-budget',
      title: 'Size',
      subject: p.platform,
      examined: { count, what: 'size budgets', lookedFor, foundInstead: count ? undefined : said.join('; ') },
      findings,
      basis,
      summary: count ? said.join('; ') : undefined,
      evidence: {
        reference: report.image.reference,
        digest: p.digest,
        compressed: p.compressed,
        layers: p.layers.length,
        largestLayer: biggest
          ? { digest: biggest.digest, size: biggest.size, instruction: biggest.instruction }
          : undefined,
        ...(delta?.growth !== undefined
          ? {
              previous: prev?.tag,
              growth: delta.growth,
              addedLayers: delta.added.length,
              removedLayers: delta.removed.length,
            }
          : {}),
      },
      next: findings.length
        ? [
            {
              text: 'See the largest layers and what made them, and what grew since the previous release',
              command: `release-operator size ${report.image.reference}`,
            },
          ]
        : count
          ? undefined
          : [{ text: 'Set a budget in release-operator.json, e.g. "size": { "budget": "150MB", "maxGrowth": "10%" }' }],
    });
  });
}

function parsePlatform(p: string): { os: string; architecture: string; variant?: string } {
  const [os, architecture, variant] = p.split('/');
  return { os, architecture, variant };
}

function percent(growth: number, previous: number): string {
  if (!previous) return 'from nothing';
  const v = (growth / previous) * 100;
  return `${v >= 0 ? '+' : ''}${v.toFixed(1)}%`;
}
