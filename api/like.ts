/** A user's text as a literal inside a LIKE pattern: `%`, `_` and the escape character match only themselves. */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}
