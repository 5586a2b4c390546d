import { usageError } from '../errors';

/** Decimal units as registries and `docker images` show sizes; binary ones as people also write them. */
const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  kib: 1024,
  mb: 1e6,
  mib: 1024 ** 2,
  gb: 1e9,
  gib: 1024 ** 3,
};

/** "150MB" -> 150000000, "1.5GiB" -> 1610612736; a usage error naming `key` otherwise. */
export function parseSize(text: string, key: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m?.[2].toLowerCase();
  if (!m || unit === undefined || !(unit in UNITS))
    throw usageError(
      `${key}: ${JSON.stringify(text)} is not a size.`,
      'Write a size like 150MB (10^6 bytes) or 150MiB (2^20 bytes).',
    );
  return Math.round(Number(m[1]) * UNITS[unit]);
}

/** A growth budget: a size, or a share of the previous release's size. */
export type Growth = { bytes: number } | { percent: number };

export function parseGrowth(text: string, key: string): Growth {
  const pct = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  return pct ? { percent: Number(pct[1]) } : { bytes: parseSize(text, key) };
}

/** 12.3 MB, 845 kB, 512 B: decimal, as registries show image sizes. */
export function formatSize(bytes: number): string {
  const abs = Math.abs(bytes);
  const sign = bytes < 0 ? '-' : '';
  if (abs < 1e3) return `${sign}${abs} B`;
  if (abs < 1e6) return `${sign}${(abs / 1e3).toFixed(abs < 1e4 ? 1 : 0)} kB`;
  if (abs < 1e9) return `${sign}${(abs / 1e6).toFixed(abs < 1e7 ? 2 : 1)} MB`;
  return `${sign}${(abs / 1e9).toFixed(2)} GB`;
}

/** +1.2 MB / -300 kB / ±0 B */
export function formatGrowth(bytes: number): string {
  return bytes > 0 ? `+${formatSize(bytes)}` : bytes < 0 ? formatSize(bytes) : '±0 B';
}
