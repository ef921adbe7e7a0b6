import { InvalidInputError } from './errors.js';
import type { TraceId } from './span.js';

const HEX = /^[0-9a-fA-F]{1,32}$/;

/** Accepts 1–32 hex digits in any case (Tempo trims leading zeros), returns 32 lowercase digits. */
export function parseTraceId(text: string, param = 'traceId'): TraceId {
  if (!HEX.test(text)) throw new InvalidInputError(`${param} must be 1 to 32 hex digits`, param);
  return text.toLowerCase().padStart(32, '0');
}

export function isAllZeroHex(hex: string): boolean {
  for (let i = 0; i < hex.length; i++) if (hex.charCodeAt(i) !== 48) return false;
  return true;
}
