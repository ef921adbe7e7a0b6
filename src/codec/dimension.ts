import { Cursor } from './cursor.js';
import { DIM_RESOURCE, DIM_SCOPE, DIMENSION_VERSION } from './format.js';
import type { DimensionInfo, TypedResource, TypedScope } from './types.js';

/**
 * Reading a resource or scope dimension (format.ts `dimension`). Its kind is in its bytes, so one reader serves
 * both; the service name is derived from the attributes exactly as ingest derived it (a string `service.name`).
 */

function header(c: Cursor): number {
  const version = c.u8();
  if (version !== DIMENSION_VERSION) c.fail(`unsupported dimension version ${version}`, 0);
  const kind = c.u8();
  if (kind !== DIM_RESOURCE && kind !== DIM_SCOPE) c.fail(`unknown dimension kind ${kind}`, 1);
  c.literals();
  return kind;
}

export function readDimension(data: Uint8Array): DimensionInfo {
  const c = new Cursor(data, 'dimension');
  if (header(c) === DIM_RESOURCE) {
    const attributes = c.attributes();
    const droppedAttributesCount = c.u32();
    c.done('the resource');
    const name = attributes['service.name'];
    return { kind: 'resource', serviceName: typeof name === 'string' ? name : 'unknown_service', attributes, droppedAttributesCount };
  }
  const name = c.str();
  const version = c.str();
  const attributes = c.attributes();
  const droppedAttributesCount = c.u32();
  c.done('the scope');
  return { kind: 'scope', name, version, attributes, droppedAttributesCount };
}

export function readDimensionTyped(data: Uint8Array): TypedResource | TypedScope {
  const c = new Cursor(data, 'dimension');
  if (header(c) === DIM_RESOURCE) {
    const attributes = c.typedAttributes();
    const droppedAttributesCount = c.u32();
    c.done('the resource');
    return { kind: 'resource', attributes, droppedAttributesCount };
  }
  const name = c.str();
  const version = c.str();
  const attributes = c.typedAttributes();
  const droppedAttributesCount = c.u32();
  c.done('the scope');
  return { kind: 'scope', name, version, attributes, droppedAttributesCount };
}
