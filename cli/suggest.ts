import { editDistance } from '../shared/contract/edit-distance.ts';

/** The candidate closest to `word` (a typo: at most a third of its letters off, and at least 1 allowed), if any. */
export const nearest = (word: string, candidates: readonly string[]): string | undefined => {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: { candidate: string; score: number } | undefined;
  for (const candidate of candidates) {
    const score = editDistance(word, candidate);
    if (score <= limit && (!best || score < best.score)) best = { candidate, score };
  }
  return best?.candidate;
};
