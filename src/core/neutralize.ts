/**
 * Text that came from outside (labels, annotations, tag names, job and step names, log lines, messages of servers,
 * paths inside images) is shown to people in terminals, job summaries, Markdown and SARIF. Raw, it can act there:
 * an escape sequence retitles or clears a terminal, a newline forges an output line ("problem: none"), a bidi
 * override reorders what is read. Every such string passes through one of these functions before it is shown.
 */

/**
 * C0 and C1 controls, DEL, the Unicode line and paragraph separators, bidirectional embeddings, overrides and
 * isolates, and the invisible marks that change how text around them reads.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /([\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff])\1*/g;
/** The same without newline and tab, for text that is meant to have lines (logs, reports). */
const UNSAFE_IN_BLOCK =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /([\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff])\1*/g;
/** A run of one control character at least this long is shown once with its count: 32 MiB of NUL stay short. */
const RUN = 4;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

function escapeOne(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** A run of one control character: escaped, and counted when long (`\x00{4096 times}`). */
function escape(run: string): string {
  const one = escapeOne(run[0]);
  return run.length >= RUN ? `${one}{${run.length} times}` : one.repeat(run.length);
}

/**
 * One line of outside text, safe to show: every control character escaped (ESC as `\e`, newline as `\n`, others as
 * `\xNN` or `\uNNNN`; a long run of one as `\x00{4096 times}`), so it can neither act on a terminal nor start a line
 * of its own. `max` clips what a server
 * may make a message say (the cut is shown as `…`).
 */
export function neutralize(text: string, max?: number): string {
  const s = String(text).replace(UNSAFE, escape);
  return max !== undefined && s.length > max ? `${s.slice(0, max)}…` : s;
}

/**
 * A block of text with lines (a log, a report, a message with a hint): newlines and tabs are kept, every other
 * control character is escaped (a lone carriage return too, so no line overwrites another).
 */
export function neutralizeBlock(text: string): string {
  return String(text).replace(/\r\n/g, '\n').replace(UNSAFE_IN_BLOCK, escape);
}

/**
 * Serialized JSON made safe to print: JSON already escapes C0 controls, newlines and quotes inside strings; this
 * escapes what it leaves raw (DEL, C1 controls, bidi and invisible marks) as `\uNNNN`, which parses back to the same
 * value.
 */
export function neutralizeJson(json: string): string {
  return json.replace(
    /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Outside text for Markdown (a job summary, a hover): neutralized (so it is one line, never at the start of one), then
 * every character that can start markup inside a line is escaped: emphasis, code, links and images (`[`, `]`, `!`),
 * HTML and entities (`<`, `>`, `&`), table cells (`|`), strikethrough and VS Code's theme icons (`$`). A label value
 * cannot become a link, an image, a table cell or a heading; ordinary text (versions, paths) reads as it is.
 */
export function markdownText(text: string, max?: number): string {
  return neutralize(text, max).replace(/[\\`*_[\]!<>&|~$]/g, '\\$&');
}

/** Outside text inside a Markdown code span: neutralized, backticks replaced (a code span cannot escape them). */
export function markdownCode(text: string, max?: number): string {
  return '`' + neutralize(text, max).replace(/`/g, "'") + '`';
}
