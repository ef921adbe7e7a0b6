import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/model/errors.js';
import { DEFAULT_WINDOW, parseWindow } from '../../src/query/window.js';
import { pageWindow } from '../../src/web/services/window.js';

const MS = 1_000_000n;
const NOW_MS = 1_700_000_000_000;
const NOW = BigInt(NOW_MS) * MS;
const HOUR = 3_600_000n * MS;

/** query/window.ts: the one set of window rules, and each view's default, for the API and the pages alike. */
describe('parseWindow', () => {
  it('defaults per view: statistics and search all time, the dependency graph the last hour', () => {
    expect(DEFAULT_WINDOW).toEqual({ stats: 'all', dependencies: '1h', search: 'all' });
    expect(parseWindow({}, NOW_MS, 'stats')).toEqual({ preset: 'all', endNs: NOW });
    expect(parseWindow({ start: '', end: '' }, NOW_MS, 'stats')).toEqual({ preset: 'all', endNs: NOW });
    expect(parseWindow({}, NOW_MS, 'dependencies')).toEqual({ preset: '1h', startNs: NOW - HOUR, endNs: NOW });
  });

  it('takes a preset ending now', () => {
    expect(parseWindow({ window: '5m' }, NOW_MS, 'stats')).toEqual({ preset: '5m', startNs: NOW - 300_000n * MS, endNs: NOW });
    expect(parseWindow({ window: 'all' }, NOW_MS, 'dependencies')).toEqual({ preset: 'all', endNs: NOW });
  });

  it('a custom window: end defaults to now, start to the view\'s default length before end', () => {
    const end = NOW - 10n * HOUR;
    expect(parseWindow({ start: String(NOW_MS - 60_000) }, NOW_MS, 'stats')).toEqual({ preset: 'custom', startNs: NOW - 60_000n * MS, endNs: NOW });
    expect(parseWindow({ end: String(end / MS) }, NOW_MS, 'dependencies')).toEqual({ preset: 'custom', startNs: end - HOUR, endNs: end });
    expect(parseWindow({ end: String(end / MS) }, NOW_MS, 'stats')).toEqual({ preset: 'custom', startNs: 0n, endNs: end });
    // Explicit times win over a preset; RFC 3339 works as everywhere else.
    const rfc = parseWindow({ window: '5m', start: '2023-11-14T22:13:20Z', end: '2023-11-14T22:13:21.5Z' }, NOW_MS, 'stats');
    expect(rfc).toEqual({ preset: 'custom', startNs: 1_700_000_000_000n * MS, endNs: 1_700_000_001_500n * MS });
  });

  it.each([
    [{ window: '2d' }, 'window', /window must be one of 5m, 15m, 1h, 24h, all/],
    [{ start: 'yesterday' }, 'start', /start must be RFC 3339/],
    [{ start: String(NOW_MS), end: String(NOW_MS - 1) }, 'end', /end must not be before start/],
  ])('refuses %j naming %s', (q, param, message) => {
    let err: unknown;
    try {
      parseWindow(q, NOW_MS, 'stats');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).param).toBe(param);
    expect((err as Error).message).toMatch(message);
  });
});

describe('pageWindow', () => {
  it('carries the window into links: the preset, or absolute times for custom windows and the search', () => {
    expect(pageWindow({}, NOW_MS, 'dependencies')).toMatchObject({ params: { window: '1h' }, searchParams: { start: String(NOW_MS - 3_600_000) } });
    expect(pageWindow({}, NOW_MS, 'stats')).toMatchObject({ params: { window: 'all' }, searchParams: {} });
    const custom = { start: String(NOW_MS - 1000), end: String(NOW_MS) };
    expect(pageWindow(custom, NOW_MS, 'stats')).toMatchObject({ preset: 'custom', params: custom, searchParams: custom });
  });
});
