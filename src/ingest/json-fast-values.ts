import type { RequestEncoder } from '../codec/encoder.js';
import {
  b, giveUp, K, KEY, key, literal, more, number, numE, numInt, numS, opens, p, skip, smallInt, strE, strEscaped,
  string, STRING_VALUE, stringText, strS, tryKey, VALUE, ws,
} from './json-tokens.js';

/**
 * Attribute lists and AnyValues of the OTLP/JSON fast path (json-fast.ts), types kept as the general decoder keeps
 * them; one case per AnyValue, `{"key": …, "value": …}` in that order, ints within ±(2^53−1), no bytes: anything
 * else gives up.
 */


/** A list of KeyValues, written as one attribute list (format.ts `attrs`) in one pass. */
export function attributeList(enc: RequestEncoder, track: boolean): void {
  enc.attrsOpen(track);
  let n = 0;
  if (opens(0x5b, 0x5d)) {
    do {
      keyValue(enc, 0);
      n++;
    } while (more(0x5d));
  }
  enc.attrsClose(n);
}

/** {"key": …, "value": …}, in that order. */
function keyValue(enc: RequestEncoder, depth: number): void {
  if (!opens(0x7b, 0x7d)) giveUp();
  if (!tryKey(KEY) && key() !== K.key) giveUp();
  string();
  if (strEscaped) enc.keyJs(stringText());
  else enc.keyIn(strS, strE);
  let value = false;
  while (more(0x7d)) {
    const id = tryKey(VALUE) ? K.value : key();
    if (id === K.value) {
      if (value) giveUp();
      value = true;
      anyValue(enc, depth);
    } else if (id === K.key) giveUp();
    else skip(0);
  }
  if (!value) enc.vEmpty();
}

/** One case (or none) per AnyValue; several are the general decoder's. */
function anyValue(enc: RequestEncoder, depth: number): void {
  if (!opens(0x7b, 0x7d)) {
    enc.vEmpty();
    return;
  }
  const id = tryKey(STRING_VALUE) ? K.stringValue : key();
  ws();
  if (b[p] === 0x6e) giveUp(); // null: the case is absent
  switch (id) {
    case K.stringValue:
      string();
      if (strEscaped) enc.vStrJs(stringText());
      else enc.vStrIn(strS, strE);
      break;
    case K.intValue:
      if (b[p] === 0x22) {
        string();
        if (strEscaped) giveUp();
        enc.vIntNum(smallInt(strS, strE));
      } else {
        number();
        if (!numInt) giveUp();
        enc.vIntNum(smallInt(numS, numE));
      }
      break;
    case K.boolValue:
      if (b[p] === 0x74) (literal('true'), enc.vBool(true));
      else (literal('false'), enc.vBool(false));
      break;
    case K.doubleValue:
      number();
      enc.vDouble(Number(b.toString('latin1', numS, numE)));
      break;
    case K.arrayValue:
      if (depth >= 64) giveUp();
      arrayValue(enc, depth + 1);
      break;
    case K.kvlistValue:
      if (depth >= 64) giveUp();
      kvlistValue(enc, depth + 1);
      break;
    default:
      giveUp();
  }
  if (more(0x7d)) giveUp();
}

function arrayValue(enc: RequestEncoder, depth: number): void {
  const mark = enc.vArrayOpen();
  let n = 0;
  if (opens(0x7b, 0x7d)) {
    if (key() !== K.values) giveUp();
    if (opens(0x5b, 0x5d)) {
      do {
        anyValue(enc, depth);
        n++;
      } while (more(0x5d));
    }
    if (more(0x7d)) giveUp();
  }
  enc.patchCount(mark, n);
}

function kvlistValue(enc: RequestEncoder, depth: number): void {
  const mark = enc.vKvlistOpen();
  let n = 0;
  if (opens(0x7b, 0x7d)) {
    if (key() !== K.values) giveUp();
    if (opens(0x5b, 0x5d)) {
      do {
        keyValue(enc, depth);
        n++;
      } while (more(0x5d));
    }
    if (more(0x7d)) giveUp();
  }
  enc.vKvlistClose(mark, n);
}
