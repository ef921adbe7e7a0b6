import { HTTP_STATUS_KEYS, isFailure, spanFailed } from '../model/failure.js';
import { callEndsOf, type AttrGet } from '../model/semconv.js';
import { StatusCode, type AttrValue, type Attributes } from '../model/span.js';
import type { RequestEncoder, SpanHead } from './encoder.js';

/** One reusable getter per encoder, and one HTTP-status holder: deciding allocates nothing but callEndsOf's answer. */
const getters = new WeakMap<RequestEncoder, AttrGet>();
const httpStatus: Attributes = {};

/**
 * What ingest decides once per span, from the attributes the encoder has just written (its `attr`): whether it
 * failed (model/failure.ts's rule; the HTTP status is read only when the status is UNSET), and the two ends of a
 * call (model/semconv.ts callEndsOf). Fills `head.error`, `head.callee` and `head.address`. The decoders and the
 * encoder of parsed spans all decide here, so the stored answer never depends on the input format.
 */
export function decideSpan(enc: RequestEncoder, head: SpanHead): void {
  head.error = failed(enc, head);
  const ends = callEndsOf(head.kind, getter(enc));
  head.callee = ends.callee;
  head.address = ends.address;
}

export function failed(enc: RequestEncoder, head: SpanHead): boolean {
  if (head.statusCode !== StatusCode.UNSET) return isFailure(head.kind, head.statusCode, undefined);
  const get = getter(enc);
  for (const key of HTTP_STATUS_KEYS) httpStatus[key] = get(key) as AttrValue;
  return spanFailed({ kind: head.kind, statusCode: head.statusCode, attributes: httpStatus });
}

export function getter(enc: RequestEncoder): AttrGet {
  let get = getters.get(enc);
  if (get === undefined) {
    get = (key: string): AttrValue | undefined => enc.attr(key);
    getters.set(enc, get);
  }
  return get;
}
