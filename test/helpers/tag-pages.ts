/**
 * How many tag pages a listing may ask for. Past its first page, a list on a lexical cursor is read over ranges at once
 * (src/core/registry/tag-ranges.ts): three made cursors after the first page, four more for a range that proves dense.
 * Made cursors ask for some pages that hold little of their own, so a list read in `plain` pages one after another may
 * take up to twice as many and three, never more: a storm would be more.
 */
export function assertTagPages(pages: number, plain: number): void {
  if (pages < plain || pages > 2 * plain + 3)
    throw new Error(`${pages} tag pages asked for a list of ${plain} pages (expected ${plain} to ${2 * plain + 3})`);
}
