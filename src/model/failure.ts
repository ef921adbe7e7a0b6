import { SpanKind, StatusCode, type Attributes } from './span.js';

/**
 * The one definition of a failed span, decided once at ingest and stored with the span (ARCHITECTURE.md,
 * "What counts as an error"): every count, filter, colour and analysis reads that flag.
 *
 * - Status ERROR fails; status OK never does (the instrumentation said so explicitly).
 * - Status UNSET falls back to the HTTP rules of the semantic conventions (reference §8), for data from
 *   older or hand-written instrumentation: 5xx fails on any span; 4xx fails a CLIENT span only, because a
 *   404 answered by a server is the caller's mistake, not the server's failure.
 */
export function isFailure(kind: number, statusCode: number, httpStatusCode: number | undefined): boolean {
  if (statusCode === StatusCode.ERROR) return true;
  if (statusCode === StatusCode.OK || httpStatusCode === undefined) return false;
  return httpStatusCode >= 500 || (httpStatusCode >= 400 && kind === SpanKind.CLIENT);
}

/** Attribute keys holding the HTTP status code, current name first. */
export const HTTP_STATUS_KEYS = ['http.response.status_code', 'http.status_code'] as const;

/** The rule on a span whose attributes are already parsed (fixtures, mappers from other formats). */
export function spanFailed(s: { kind: number; statusCode: number; attributes: Attributes }): boolean {
  let http: number | undefined;
  for (const key of HTTP_STATUS_KEYS) {
    const v = s.attributes[key];
    if (typeof v === 'number' && Number.isInteger(v)) http = v;
    else if (typeof v === 'string' && /^\d{1,15}$/.test(v)) http = Number(v);
    if (http !== undefined) break;
  }
  return isFailure(s.kind, s.statusCode, http);
}
