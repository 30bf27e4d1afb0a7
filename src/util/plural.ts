/** "1 seed", "3 seeds": a count and its noun in the right number (`plural` for nouns not made with an s). */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
