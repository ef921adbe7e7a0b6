// A tiny walker over OTLP protobuf ExportTraceServiceRequest bodies, for the bench only: it turns a request into
// plain span rows for the raw SQLite reference, and finds the byte offsets of every timestamp so a body can be
// moved in time (`retime`). Deliberately independent of tracelite's decoders (src/ingest, src/codec), so the
// reference does not move when ours change. Field numbers: opentelemetry-proto trace/v1, common/v1, resource/v1.

/** One varint at `pos` as a number (exact below 2^53: tags, lengths, enums, counts). Returns [value, nextPos]. */
function varint(buf, pos) {
  let v = 0;
  let mul = 1;
  let b;
  do {
    b = buf[pos++];
    v += (b & 0x7f) * mul;
    mul *= 128;
  } while (b & 0x80);
  return [v, pos];
}

function bigVarint(buf, pos) {
  let v = 0n;
  let shift = 0n;
  let b;
  do {
    b = buf[pos++];
    v |= BigInt(b & 0x7f) << shift;
    shift += 7n;
  } while (b & 0x80);
  return [v, pos];
}

/** Calls fn(field, wireType, valueStart, valueEnd, pos) for each field of the message in buf[start, end). */
function fields(buf, start, end, fn) {
  let pos = start;
  while (pos < end) {
    const [tag, p] = varint(buf, pos);
    pos = p;
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (wire === 0) {
      let q = pos;
      while (buf[q++] & 0x80);
      fn(field, wire, pos, q);
      pos = q;
    } else if (wire === 1) {
      fn(field, wire, pos, pos + 8);
      pos += 8;
    } else if (wire === 2) {
      const [len, q] = varint(buf, pos);
      fn(field, wire, q, q + len);
      pos = q + len;
    } else if (wire === 5) {
      fn(field, wire, pos, pos + 4);
      pos += 4;
    } else {
      throw new Error(`otlp-walk: wire type ${wire} at ${pos}`);
    }
  }
}

const str = (buf, s, e) => buf.toString('utf8', s, e);
const hex = (buf, s, e) => buf.toString('hex', s, e);
const u = (buf, s) => varint(buf, s)[0];

/** An int64 varint as a JS value: a number when exact, else its decimal string (two's complement for negatives). */
function int64(buf, s) {
  let [v] = bigVarint(buf, s);
  if (v >= 1n << 63n) v -= 1n << 64n;
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

function anyValue(buf, start, end) {
  let out = null;
  fields(buf, start, end, (f, _w, s, e) => {
    if (f === 1) out = str(buf, s, e);
    else if (f === 2) out = u(buf, s) !== 0;
    else if (f === 3) out = int64(buf, s);
    else if (f === 4) out = buf.readDoubleLE(s);
    else if (f === 5) {
      out = [];
      fields(buf, s, e, (g, _w2, s2, e2) => g === 1 && out.push(anyValue(buf, s2, e2)));
    } else if (f === 6) out = keyValues(buf, s, e, 1);
    else if (f === 7) out = buf.toString('base64', s, e);
  });
  return out;
}

/** The repeated KeyValue field `field` of a message, as one plain object. */
function keyValues(buf, start, end, field) {
  const out = {};
  fields(buf, start, end, (f, _w, s, e) => {
    if (f !== field) return;
    let key = '';
    let value = null;
    fields(buf, s, e, (g, _w2, s2, e2) => {
      if (g === 1) key = str(buf, s2, e2);
      else if (g === 2) value = anyValue(buf, s2, e2);
    });
    out[key] = value;
  });
  return out;
}

function event(buf, start, end, times) {
  const ev = { timeUnixNano: 0n, name: '', attributes: {} };
  fields(buf, start, end, (f, _w, s, e) => {
    if (f === 1) (ev.timeUnixNano = buf.readBigUInt64LE(s)), times.push(s);
    else if (f === 2) ev.name = str(buf, s, e);
  });
  ev.attributes = keyValues(buf, start, end, 3);
  return ev;
}

function link(buf, start, end) {
  const l = { traceId: '', spanId: '', traceState: '', attributes: {} };
  fields(buf, start, end, (f, _w, s, e) => {
    if (f === 1) l.traceId = hex(buf, s, e);
    else if (f === 2) l.spanId = hex(buf, s, e);
    else if (f === 3) l.traceState = str(buf, s, e);
  });
  l.attributes = keyValues(buf, start, end, 4);
  return l;
}

function span(buf, start, end, resource, scope, times) {
  const row = {
    traceId: '', spanId: '', parentSpanId: '', traceState: '', flags: 0, name: '', kind: 0,
    startNs: 0n, endNs: 0n, statusCode: 0, statusMessage: '', events: [], links: [], resource, scope,
  }; // prettier-ignore
  fields(buf, start, end, (f, _w, s, e) => {
    if (f === 1) row.traceId = hex(buf, s, e);
    else if (f === 2) row.spanId = hex(buf, s, e);
    else if (f === 3) row.traceState = str(buf, s, e);
    else if (f === 4) row.parentSpanId = hex(buf, s, e);
    else if (f === 5) row.name = str(buf, s, e);
    else if (f === 6) row.kind = u(buf, s);
    else if (f === 7) (row.startNs = buf.readBigUInt64LE(s)), times.push(s);
    else if (f === 8) (row.endNs = buf.readBigUInt64LE(s)), times.push(s);
    else if (f === 11) row.events.push(event(buf, s, e, times));
    else if (f === 13) row.links.push(link(buf, s, e));
    else if (f === 15) {
      fields(buf, s, e, (g, _w2, s2, e2) => {
        if (g === 2) row.statusMessage = str(buf, s2, e2);
        else if (g === 3) row.statusCode = u(buf, s2);
      });
    } else if (f === 16) row.flags = buf.readUInt32LE(s);
  });
  row.attributes = keyValues(buf, start, end, 9);
  return row;
}

/**
 * The spans of an ExportTraceServiceRequest as rows ({traceId, spanId, …, attributes, resource: {service,
 * attributes}, scope: {name, version}}), and `times`: the offset of every fixed64 timestamp in the body.
 */
export function walkRequest(buf) {
  const rows = [];
  const times = [];
  fields(buf, 0, buf.length, (f, _w, s, e) => {
    if (f !== 1) return;
    let resource = { service: '', attributes: {} };
    const scopeSpans = [];
    fields(buf, s, e, (g, _w2, s2, e2) => {
      if (g === 1) {
        const attributes = keyValues(buf, s2, e2, 1);
        resource = { service: String(attributes['service.name'] ?? ''), attributes };
      } else if (g === 2) scopeSpans.push([s2, e2]);
    });
    for (const [s2, e2] of scopeSpans) {
      let scope = { name: '', version: '' };
      const spans = [];
      fields(buf, s2, e2, (g, _w2, s3, e3) => {
        if (g === 1) {
          scope = { name: '', version: '' };
          fields(buf, s3, e3, (h, _w3, s4, e4) => {
            if (h === 1) scope.name = str(buf, s4, e4);
            else if (h === 2) scope.version = str(buf, s4, e4);
          });
        } else if (g === 2) spans.push([s3, e3]);
      });
      for (const [s3, e3] of spans) rows.push(span(buf, s3, e3, resource, scope, times));
    }
  });
  return { rows, times };
}

/** A copy of the body with every timestamp moved by deltaNs (a bigint); `times` from walkRequest. */
export function retime(buf, times, deltaNs) {
  const copy = Buffer.from(buf);
  for (const at of times) copy.writeBigUInt64LE(copy.readBigUInt64LE(at) + deltaNs, at);
  return copy;
}

/** rejected_spans of an ExportTraceServiceResponse's partial_success (0 for an empty body). */
export function rejectedSpans(buf) {
  let rejected = 0;
  fields(buf, 0, buf.length, (f, _w, s, e) => {
    if (f === 1) fields(buf, s, e, (g, _w2, s2) => g === 1 && (rejected = Number(int64(buf, s2))));
  });
  return rejected;
}

/**
 * The retry delay in ms of a gRPC status detail (`grpc-status-details-bin`: google.rpc.Status{3: details Any{1:
 * type_url, 2: RetryInfo{1: retry_delay Duration{1: seconds, 2: nanos}}}}), or undefined when it has none.
 */
export function retryDelayMs(statusBin) {
  let ms;
  fields(statusBin, 0, statusBin.length, (f, _w, s, e) => {
    if (f !== 3) return;
    let type = '';
    let value;
    fields(statusBin, s, e, (g, _w2, s2, e2) => {
      if (g === 1) type = statusBin.toString('utf8', s2, e2);
      else if (g === 2) value = [s2, e2];
    });
    if (!type.endsWith('/google.rpc.RetryInfo') || !value) return;
    fields(statusBin, value[0], value[1], (h, _w3, s3, e3) => {
      if (h !== 1) return;
      let seconds = 0;
      let nanos = 0;
      fields(statusBin, s3, e3, (k, _w4, s4) => {
        if (k === 1) seconds = Number(int64(statusBin, s4));
        else if (k === 2) nanos = Number(int64(statusBin, s4));
      });
      ms = seconds * 1000 + nanos / 1e6;
    });
  });
  return ms;
}
