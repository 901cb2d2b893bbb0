/** The sentence around `at`: from after the last sentence end before it to its own end ("2.5 mg" is no end). */
export function sentenceBounds(text: string, at: number): { start: number; end: number } {
  let start = 0;
  for (const m of text.slice(0, at).matchAll(/[.!?\n](?:\s+|$)/g)) start = (m.index ?? 0) + m[0].length;
  const end = /[.!?\n](?:\s|$)/.exec(text.slice(at));
  return { start, end: end ? at + end.index + 1 : text.length };
}
