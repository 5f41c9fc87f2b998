// Counts in messages: "1 file", "3 files". English regular plurals only;
// callers pass words that take an "s".

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}
