/** `text` as a regular expression that matches exactly it (a tag prefix, a version inside a pattern). */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
