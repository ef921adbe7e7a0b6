import { shortId } from './callee-match.js';
import type { BrokenLink, ChainResult, SpanNode, TraceTree } from './types.js';

/**
 * "Does this trace go a → b → c?" — for `tracelite check` and the chain endpoint.
 *
 * The expected services must appear along one root-to-leaf path in order, but not necessarily next to each
 * other: a gateway, sidecar or proxy between two services is fine (expect frontend,inventory passes for
 * frontend → envoy → inventory). When no path has them all, the first missing hop is explained.
 */
export function checkChain(tree: TraceTree, expect: string[], broken: BrokenLink[]): ChainResult {
  const paths = servicePaths(tree);
  if (expect.length === 0) return { ok: true, paths, missing: [] };
  let best = -1;
  let bestMatched = -1;
  paths.forEach((path, i) => {
    const matched = matchedPrefix(path, expect);
    if (matched > bestMatched) {
      best = i;
      bestMatched = matched;
    }
  });
  const matched = Math.max(bestMatched, 0);
  if (best >= 0 && matched === expect.length) return { ok: true, paths, missing: [] };
  const from = matched > 0 ? expect[matched - 1] : '';
  const to = expect[matched];
  return { ok: false, paths, missing: [{ from, to, reason: missingReason(tree, from, to, broken) }] };
}

/** Every root-to-leaf path of service names, consecutive repeats folded, each distinct path once. */
export function servicePaths(tree: TraceTree): string[][] {
  const seen = new Set<string>();
  const paths: string[][] = [];
  // Iterative depth-first walk: deep traces (thousands of levels from a recursion bug) must not overflow the stack.
  const stack: Array<{ node: SpanNode; path: string[] }> = [];
  for (let i = tree.roots.length - 1; i >= 0; i--) stack.push({ node: tree.roots[i], path: [] });
  while (stack.length > 0) {
    const { node, path: above } = stack.pop()!;
    const service = node.span.service;
    const path = above[above.length - 1] === service ? above : [...above, service];
    if (node.children.length === 0) {
      const key = path.join('\u0000');
      if (!seen.has(key)) {
        seen.add(key);
        paths.push(path);
      }
      continue;
    }
    for (let i = node.children.length - 1; i >= 0; i--) stack.push({ node: node.children[i], path });
  }
  return paths;
}

/** How many of `expect` appear in `path` in order (greedy is optimal for a subsequence prefix). */
function matchedPrefix(path: string[], expect: string[]): number {
  let k = 0;
  for (const service of path) {
    if (k < expect.length && service === expect[k]) k++;
  }
  return k;
}

function missingReason(tree: TraceTree, from: string, to: string, broken: BrokenLink[]): string {
  const fromLinks = from === '' ? [] : broken.filter((b) => b.fromService === from);
  const link = fromLinks.find((b) => b.toService === to) ?? fromLinks[0];
  if (link) {
    const where = `another trace (${link.toService}, ${shortId(link.matchedTraceId)})`;
    return `${from} made a call to ${link.target} that continued in ${where}: ${from} does not forward traceparent`;
  }
  if (!tree.spans.some((s) => s.service === to)) return `no span of ${to} in this trace`;
  if (from === '') return `${to} is in this trace but not where the expected chain starts`;
  return `${to} is in this trace but not called from ${from}`;
}
