import path from 'node:path';

/** What the demo prints once everything runs: where to look, and what each lesson looks like in the data. */
export function guide(uiUrl: string, frontendUrl: string, cliCommand: string): string {
  const ui = uiUrl.replace(/\/$/, '');
  return `
Traffic: one request a second to frontend ${frontendUrl}/ (Ctrl-C stops everything).

What to look for, in ${ui}/
  1. Where the time went: checkout waits 300-600 ms on pricing-api, a third party with no tracing of its
     own. It shows only as checkout's client span with no child, yet it is the largest share of each trace.
  2. Repeated calls: checkout looks up 5 items in inventory one after another (20-40 ms each). The trace
     page says "checkout made 5 sequential GET /items/{id} calls to inventory (… ms): batch them or run them
     concurrently to save up to … ms" — batched, they would take about as long as the slowest one.
  3. Sequential calls to different services: "checkout called inventory 5 times, pricing-api and payments,
     one after another (… ms): if these calls do not depend on each other, running them concurrently could
     save up to … ms". The trace cannot tell, and here they do: the quote needs the items, the charge needs
     the quote. frontend's calls to checkout and legacy already run in parallel: no finding for them.
  4. Where an error comes from ("Why it failed"): every third charge fails in payments' charge card span
     (CardDeclinedError) and payments answers 500; checkout and frontend only pass it on as 502s.
  5. Broken propagation: legacy calls inventory without forwarding traceparent, so inventory's span
     starts a new trace of its own.

Try:
  curl -s '${ui}/api/traces?service=frontend&limit=5'
  curl -s '${ui}/api/traces?service=frontend&error=true&limit=1'      # a trace with the payments error
  curl -s ${ui}/api/traces/<traceId>/analysis                          # timeByService, fanOut, rootCause, propagation
  curl -s ${ui}/api/dependencies                                       # legacy → inventory is marked broken
  ${cliCommand} check --server ${ui} --url ${frontendUrl}/ --expect frontend,checkout,payments   # passes, exit 0
  ${cliCommand} check --server ${ui} --url ${frontendUrl}/ --expect frontend,legacy,inventory    # fails, exit 1
`;
}

/** How to run this same tracelite again: `node dist/main.js` from a checkout, else the installed command. */
export function cliCommand(script: string | undefined, cwd: string): string {
  if (!script) return 'tracelite';
  const rel = path.relative(cwd, script);
  return rel.startsWith('..') || path.isAbsolute(rel) || rel.includes('node_modules') ? 'tracelite' : `node ${rel}`;
}
