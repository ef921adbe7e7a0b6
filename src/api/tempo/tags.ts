import { InvalidInputError } from '../../model/errors.js';
import { INTRINSICS, type Intrinsic } from '../../model/traceql.js';

/** A tag as the tag-values routes name it: v2 a TraceQL identifier (`resource.service.name`, `.http.method`, `status`), v1 a bare key. */
export type TagRef = { scope: 'resource' | 'span' | 'any' | 'intrinsic'; key: string };

const SCOPED_INTRINSICS: Record<string, Intrinsic> = {
  'span:name': 'name', 'span:status': 'status', 'span:kind': 'kind', 'span:duration': 'duration', 'span:statusMessage': 'statusMessage',
  'trace:rootName': 'rootName', 'trace:rootService': 'rootServiceName', 'trace:duration': 'traceDuration',
}; // prettier-ignore

export function tagRef(text: string, version: 1 | 2): TagRef {
  if (text === '') throw new InvalidInputError('tag must not be empty', 'tag');
  if ((INTRINSICS as readonly string[]).includes(text)) return { scope: 'intrinsic', key: text };
  if (SCOPED_INTRINSICS[text]) return { scope: 'intrinsic', key: SCOPED_INTRINSICS[text] };
  if (version === 1) return { scope: 'any', key: text };
  const m = /^(resource|span)?\.(.+)$/.exec(text);
  if (!m) throw new InvalidInputError(`tag ${JSON.stringify(text)} is not a TraceQL attribute (resource.k, span.k or .k) or intrinsic`, 'tag');
  const key = m[2].startsWith('"') && m[2].endsWith('"') ? m[2].slice(1, -1) : m[2];
  return { scope: m[1] === 'resource' ? 'resource' : m[1] === 'span' ? 'span' : 'any', key };
}
