/**
 * JavaScript's regex engine backtracks without a time limit, and searches and policies run on the event loop: a quantified
 * group that itself contains a quantifier (`(a+)+`, `(\w*)*`) or an alternation under a quantifier (`(x|xy)+`) can
 * take exponential time on a long attribute value. Tempo's RE2 never does; refused here, with the reason.
 */
export function backtrackRisk(pattern: string): string | undefined {
  if (pattern.length > 1_000) return 'more than 1,000 characters';
  if (/\\\d/.test(pattern) || /\\k</.test(pattern)) return 'backreferences';
  if (/\((?:[^()\\]|\\.)*(?:[+*]|\{\d+,?\d*\})(?:[^()\\]|\\.)*\)(?:[+*]|\{\d+,\d*\})/.test(pattern)) return 'a repeated group that repeats inside';
  if (/\((?:[^()\\]|\\.)*\|(?:[^()\\]|\\.)*\)(?:[+*]|\{\d+,\d*\})/.test(pattern)) return 'a repeated alternation';
  return undefined;
}
