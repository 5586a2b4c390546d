import { TAG_RANGES } from '../../src/core/registry/tag-ranges';

/**
 * How many tag pages a listing may ask for. Past its first page, a list on a lexical cursor is read over ranges at once
 * (src/core/registry/tag-ranges.ts): eight made cursors after the first page, four more for a range that proves dense.
 * Made cursors ask for some pages that hold little of their own, so a list read in `plain` pages one after another may
 * take up to twice as many plus the first cuts, never more: a storm would be more.
 */
export function assertTagPages(pages: number, plain: number): void {
  const most = 2 * plain + TAG_RANGES.firstCuts;
  if (pages < plain || pages > most)
    throw new Error(`${pages} tag pages asked for a list of ${plain} pages (expected ${plain} to ${most})`);
}
