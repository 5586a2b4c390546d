import { markdownText, neutralize, neutralizeBlock } from '../neutralize';

/**
 * Outside text (labels, tag names, log lines, server messages) on its way into a rendered report, through the one
 * neutralizer of core/neutralize: nothing can act on a terminal, forge a line, a table row or markup.
 */

/** Outside text kept on one line: controls escaped, line breaks as `\n`. */
export const oneLine = (text: string): string => neutralize(text);

/** Outside text that may span lines (a log tail): controls escaped, line breaks kept. */
export const multiLine = (text: string): string => neutralizeBlock(text);

/** A Markdown table cell: each line neutralized and its markup escaped, line breaks as <br>. */
export function mdCell(text: string): string {
  return text
    .split(/\r?\n|\r/)
    .map((line) => markdownText(line))
    .join('<br>');
}

/** Markdown inline text: one line, with what starts emphasis, links, HTML or a cell escaped. */
export const mdText = (text: string): string => markdownText(text);

/** XML attribute or text content (XML 1.0 cannot carry C0 controls at all, not even escaped). */
export function xml(text: string): string {
  return neutralizeBlock(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
