/**
 * Text from outside (labels, tag names, log lines, server messages) on its way into a rendered report: control
 * characters escaped so none reaches a terminal, a job summary or an XML file, and line breaks shown as `\n`
 * where one line is expected, so a value cannot forge a line of its own.
 */

// C0 controls but tab and line breaks, DEL, C1 controls, and the bidirectional overrides that reorder text.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

const codePoint = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Outside text kept on one line: controls escaped, CR/LF as `\n`. */
export function oneLine(text: string): string {
  return text.replace(CONTROL, codePoint).replace(/\r?\n|\r/g, '\\n');
}

/** Outside text that may span lines (a log tail): controls escaped, line breaks kept. */
export function multiLine(text: string): string {
  return text.replace(CONTROL, codePoint);
}

/** A Markdown table cell: line breaks as <br>, pipes and HTML-significant characters escaped. */
export function mdCell(text: string): string {
  return text
    .split(/\r?\n|\r/)
    .map((line) => oneLine(line).replace(/[|<>&]/g, (c) => CELL[c]))
    .join('<br>');
}
const CELL: Record<string, string> = { '|': '\\|', '<': '&lt;', '>': '&gt;', '&': '&amp;' };

/** Markdown inline text: one line, with the characters that start emphasis, links or HTML escaped. */
export function mdText(text: string): string {
  return oneLine(text).replace(/[\\`*_[\]<>|#]/g, (c) => `\\${c}`);
}

/** XML attribute or text content (XML 1.0 cannot carry C0 controls at all, not even escaped). */
export function xml(text: string): string {
  return multiLine(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
