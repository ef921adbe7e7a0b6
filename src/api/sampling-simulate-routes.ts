import type { FastifyInstance } from 'fastify';
import { InvalidInputError } from '../model/errors.js';
import type { QueryService } from '../query/index.js';
import {
  parseHeadRate,
  parseSimulatePolicy,
  policyJson,
  SLOW_MIN_TRACES,
  SLOW_PERCENT,
  type IncidentOutcome,
  type RuleOutcome,
  type SimulationAnswer,
  type StrategyOutcome,
} from '../query/simulate.js';
import { parseWindow } from '../query/window.js';
import { jsonErrorHandler } from './errors.js';
import { nsToMs } from './views.js';

const str = { type: 'string' } as const;
const BODY_FIELDS = ['policy', 'head', 'start', 'end'];

interface SimulateInput {
  policy?: unknown;
  head?: unknown;
  start?: string;
  end?: string;
}

/**
 * The sampling simulator: the stored traces of a window replayed through a tail policy (`policy=starter` or a
 * policy as JSON) and, with `head=0.01`, head sampling at that rate — what each keeps, the errored and p99-slow
 * traces each keeps and misses, the storage it saves, examples. GET takes the policy URL-encoded; POST a JSON body
 * `{policy, head, start, end}` (the policy as an object or as text). The window is the dependency graph's: start
 * and end as everywhere in the API, the last hour by default.
 */
export async function samplingSimulateRoutes(app: FastifyInstance, opts: { query: QueryService; now: () => number }): Promise<void> {
  jsonErrorHandler(app);
  const run = (input: SimulateInput) => {
    const policy = parseSimulatePolicy(input.policy);
    const headRate = parseHeadRate(input.head);
    const window = parseWindow({ start: input.start, end: input.end }, opts.now(), 'dependencies');
    return simulationJson(opts.query.simulateSampling({ policy, headRate, window }));
  };
  app.get<{ Querystring: SimulateInput }>(
    '/sampling/simulate',
    { schema: { querystring: { type: 'object', properties: { policy: str, head: str, start: str, end: str } } } },
    async (req) => run(req.query),
  );
  app.post<{ Body: SimulateInput }>(
    '/sampling/simulate',
    {
      schema: {
        body: {
          type: 'object',
          properties: { policy: { anyOf: [{ type: 'string' }, { type: 'object' }] }, head: { anyOf: [{ type: 'string' }, { type: 'number' }] }, start: str, end: str },
        },
      },
    },
    async (req) => {
      // Not `additionalProperties: false`: fastify's validator would strip a misspelt field silently, not refuse it.
      const unknown = Object.keys(req.body ?? {}).filter((k) => !BODY_FIELDS.includes(k));
      if (unknown.length > 0) throw new InvalidInputError(`unknown field "${unknown[0]}" (${BODY_FIELDS.join(', ')})`, unknown[0]);
      return run(req.body ?? {});
    },
  );
}

export function simulationJson(s: SimulationAnswer) {
  return {
    window: {
      startTimeUnixNano: s.window.startNs === undefined ? null : String(s.window.startNs),
      endTimeUnixNano: String(s.window.endNs),
      traces: s.traces,
      spans: s.spans,
      limit: s.limit,
      more: s.more,
      replayedFromUnixNano: s.replayedFromNs === undefined ? null : String(s.replayedFromNs),
    },
    computedFrom:
      `the stored traces starting in the window (the newest ${s.limit} at most), each decided once whole, in the order they ended, ` +
      'from its stored summary: failed if any span has the stored failure flag, duration from first start to last end, the root span\'s service and operation',
    policy: policyJson(s.policy),
    incidents: {
      errored: s.errored,
      slow: s.slow,
      slowDefinition: `longer than the exact p${SLOW_PERCENT} of its root service and operation over the window (nearest rank), for root operations with at least ${SLOW_MIN_TRACES} traces`,
      unjudgedTraces: s.unjudged,
      thresholds: s.thresholds.map((t) => ({ rootService: t.rootService, rootName: t.rootName, traces: t.traces, p99Ms: nsToMs(t.p99Ns), slow: t.slow })),
    },
    storage: {
      bytesPerSpan: Math.round(s.bytesPerSpan),
      measuredAs: 'the database\'s live pages (chunks, trace rows, indexes, statistics) divided by the spans it holds',
    },
    tail: { ...strategyJson(s.tail), rules: s.tail.rules.map(ruleJson) },
    head: s.head ? { rate: s.head.rate, randomness: 'the trace ID, as the probabilistic rule (OTel consistent probability sampling)', ...strategyJson(s.head) } : null,
  };
}

function strategyJson(o: StrategyOutcome) {
  return {
    kept: o.kept,
    dropped: o.dropped,
    keptShare: o.keptShare,
    spansKept: o.spansKept,
    spansDropped: o.spansDropped,
    bytesSaved: o.bytesSaved,
    errored: incidentJson(o.errored),
    slow: incidentJson(o.slow),
  };
}

function incidentJson(i: IncidentOutcome) {
  return { total: i.total, kept: i.kept, missed: i.missed, keptShare: i.keptShare, examples: { kept: i.examples.kept.map(link), missed: i.examples.missed.map(link) } };
}

function ruleJson(r: RuleOutcome) {
  return {
    name: r.name,
    type: r.type,
    action: r.action,
    traces: r.traces,
    share: r.share,
    spans: r.spans,
    ...(r.warmup !== undefined ? { warmup: r.warmup } : {}),
    examples: r.examples.map(link),
  };
}

const link = (traceId: string) => ({ traceId, href: `/trace/${traceId}` });
