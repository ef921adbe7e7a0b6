import { describe, expect, it } from 'vitest';
import { nsToMs } from '../../src/api/views.js';
import {
  decodeCursor,
  encodeCursor,
  parseAttr,
  parseDuration,
  parseLimit,
  parseServiceList,
  parseTime,
} from '../../src/query/params.js';
import { parseTraceQuery } from '../../src/query/search.js';
import { InvalidInputError } from '../../src/model/errors.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250_000_000n],
    ['1.5s', 1_500_000_000n],
    ['2m', 120_000_000_000n],
    ['100us', 100_000n],
    ['100µs', 100_000n],
    ['7ns', 7n],
    ['1h', 3_600_000_000_000n],
    ['1m30s', 90_000_000_000n],
    ['0.000001ms', 1n],
    ['.5s', 500_000_000n],
  ])('%s', (text, ns) => expect(parseDuration(text, 'minDuration')).toBe(ns));

  it.each(['', '100', 'ms', '1.s', '-1s', '1 s', '1d', '1s garbage'])('rejects %j naming the parameter', (text) => {
    expect(() => parseDuration(text, 'minDuration')).toThrow(/minDuration must be a duration/);
  });
});

describe('parseTime', () => {
  it('takes epoch milliseconds', () => {
    expect(parseTime('1700000000123', 'start')).toBe(1_700_000_000_123_000_000n);
  });
  it('takes RFC 3339 with nanoseconds and offsets exactly', () => {
    expect(parseTime('2023-11-14T22:13:20.123456789Z', 'start')).toBe(1_700_000_000_123_456_789n);
    expect(parseTime('2023-11-14T23:13:20+01:00', 'start')).toBe(1_700_000_000_000_000_000n);
    expect(parseTime('2023-11-14T22:13:20.5z', 'start')).toBe(1_700_000_000_500_000_000n);
  });
  it.each(['yesterday', '2023-11-14', '2023-13-14T00:00:00Z', '2023-02-30T00:00:00Z', '2023-04-31T12:00:00Z', '17e11', '-5'])('rejects %j', (text) => {
    expect(() => parseTime(text, 'end')).toThrow(/end must be RFC 3339/);
  });
});

describe('other parameters', () => {
  it('limit', () => {
    expect(parseLimit(undefined, 'limit', 20, 1000)).toBe(20);
    expect(parseLimit('1000', 'limit', 20, 1000)).toBe(1000);
    for (const bad of ['0', '1001', '1.5', 'x', '-1']) expect(() => parseLimit(bad, 'limit', 20, 1000)).toThrow(/limit/);
  });
  it('attr keeps = inside the value', () => {
    expect(parseAttr('db.query.text=a=b', 'attr')).toEqual({ key: 'db.query.text', value: 'a=b' });
    expect(() => parseAttr('novalue', 'attr')).toThrow(/attr must be key=value/);
    expect(() => parseAttr('=x', 'attr')).toThrow(/attr/);
  });
  it('cursor round-trips and refuses forgeries', () => {
    const c = encodeCursor(1_700_000_000_123_456_789n, 'ab'.repeat(16));
    expect(decodeCursor(c, 'cursor')).toEqual({ startNs: 1_700_000_000_123_456_789n, traceId: 'ab'.repeat(16) });
    expect(() => decodeCursor('garbage', 'cursor')).toThrow(/cursor/);
  });
  it('a service list drops blanks and needs one name', () => {
    expect(parseServiceList(' web, api ,,db', 'expect')).toEqual(['web', 'api', 'db']);
    for (const bad of [undefined, '', ' , ']) expect(() => parseServiceList(bad, 'expect')).toThrow(/expect must list/);
  });
  it('nsToMs is exact to the nanosecond', () => {
    expect(nsToMs(1_500_001n)).toBe(1.500001);
    expect(nsToMs(123_456_789_012_345n)).toBeCloseTo(123456789.012345, 6);
  });
});

describe('parseTraceQuery', () => {
  it('builds a query from every parameter', () => {
    const q = parseTraceQuery({
      service: 'api',
      operation: 'GET /x',
      minDuration: '1ms',
      maxDuration: '2s',
      start: '1700000000000',
      end: '1700000001000',
      error: 'true',
      attr: ['http.route=/x', 'k=v'],
      limit: '5',
    });
    expect(q).toEqual({
      service: 'api',
      operation: 'GET /x',
      minDurationNs: 1_000_000n,
      maxDurationNs: 2_000_000_000n,
      startNs: 1_700_000_000_000_000_000n,
      endNs: 1_700_000_001_000_000_000n,
      errorOnly: true,
      attrs: [
        { key: 'http.route', value: '/x' },
        { key: 'k', value: 'v' },
      ],
      limit: 5,
    });
  });
  it('rejects inverted ranges naming the parameter', () => {
    expect(() => parseTraceQuery({ minDuration: '2s', maxDuration: '1s' })).toThrow(/maxDuration/);
    expect(() => parseTraceQuery({ start: '2000', end: '1000' })).toThrow(InvalidInputError);
    expect(() => parseTraceQuery({ error: 'yes' })).toThrow(/error must be true or false/);
  });
});
