import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, usage } from '../../src/config.js';

function run(env: Record<string, string>, argv: string[]) {
  const r = loadConfig(env, argv);
  if (r.kind !== 'run') throw new Error(`expected run, got ${r.kind}`);
  return r.config;
}

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(run({}, [])).toEqual({
      host: '127.0.0.1',
      uiPort: 16686,
      otlpHttpPort: 4318,
      otlpGrpcPort: 4317,
      zipkinPort: 9411,
      db: 'data/tracelite.db',
      corsOrigins: ['*'],
      queueSpans: 200000,
      retentionMs: 7 * 86_400_000,
      maxSpans: 0,
      maxDbBytes: 1e9,
      sampling: 'off',
      decisionWaitMs: 5_000,
      samplingMaxAgeMs: 30_000,
      samplingBuffer: 200_000,
    });
  });

  it('takes flags in both spellings, and flags win over the environment', () => {
    const c = run({ TRACELITE_UI_PORT: '9000', TRACELITE_DB: '/tmp/x.db' }, ['--ui-port', '9001', '--otlp-http-port=0']);
    expect(c.uiPort).toBe(9001);
    expect(c.otlpHttpPort).toBe(0);
    expect(c.db).toBe('/tmp/x.db');
  });

  it('reads every flag from its TRACELITE_ variable', () => {
    const c = run(
      {
        TRACELITE_HOST: '0.0.0.0',
        TRACELITE_UI_PORT: '1',
        TRACELITE_OTLP_HTTP_PORT: '2',
        TRACELITE_OTLP_GRPC_PORT: '3',
        TRACELITE_ZIPKIN_PORT: '3',
        TRACELITE_DB: 'a.db',
        TRACELITE_CORS_ORIGINS: 'http://localhost:3000, https://app.example',
        TRACELITE_QUEUE_SPANS: '10',
        TRACELITE_RETENTION: '12h',
        TRACELITE_MAX_SPANS: '5000000',
        TRACELITE_MAX_DB_SIZE: '2GiB',
        TRACELITE_SAMPLING: 'starter',
        TRACELITE_DECISION_WAIT: '250ms',
        TRACELITE_SAMPLING_MAX_AGE: '1m',
        TRACELITE_SAMPLING_BUFFER: '1000',
      },
      [],
    );
    expect(c).toEqual({
      host: '0.0.0.0',
      uiPort: 1,
      otlpHttpPort: 2,
      otlpGrpcPort: 3,
      zipkinPort: 3,
      db: 'a.db',
      corsOrigins: ['http://localhost:3000', 'https://app.example'],
      queueSpans: 10,
      retentionMs: 12 * 3_600_000,
      maxSpans: 5_000_000,
      maxDbBytes: 2 * 1024 ** 3,
      sampling: 'starter',
      decisionWaitMs: 250,
      samplingMaxAgeMs: 60_000,
      samplingBuffer: 1000,
    });
  });

  it('reads the sampling flags: a policy name or file, durations in ms, s or m', () => {
    const c = run({}, ['--sampling', 'policies/mine.json', '--decision-wait', '1.5s', '--sampling-max-age', '2m']);
    expect(c).toMatchObject({ sampling: 'policies/mine.json', decisionWaitMs: 1_500, samplingMaxAgeMs: 120_000 });
  });

  it('reads retention limits: ages, counts and sizes, 0 meaning none', () => {
    expect(run({}, ['--retention', '0', '--max-db-size', '0']).retentionMs).toBe(0);
    expect(run({}, ['--retention', '90s']).retentionMs).toBe(90_000);
    expect(run({}, ['--max-db-size', '500MB']).maxDbBytes).toBe(500e6);
    expect(run({}, ['--max-db-size', '0']).maxDbBytes).toBe(0);
  });

  it('allows no browser origins by default when not bound to loopback', () => {
    expect(run({}, ['--host', '0.0.0.0']).corsOrigins).toEqual([]);
    expect(run({}, ['--host', '::1']).corsOrigins).toEqual(['*']);
  });

  it.each([
    [['--retention', '7 days'], /--retention: "7 days" is not an age like 30m, 12h or 7d/],
    [['--retention', '0d'], /--retention: "0d" is not an age/],
    [['--max-db-size', 'big'], /--max-db-size: "big" is not a size like 500MB or 1GB/],
    [['--max-db-size', '1MB'], /--max-db-size: "1MB" is too small: at least 10MB/],
    [['--max-spans=-1'], /--max-spans: "-1" is not a whole number/],
    [['--ui-port', 'abc'], /--ui-port: "abc" is not a port/],
    [['--otlp-http-port', '70000'], /--otlp-http-port: "70000" is not a port/],
    [['--db', ''], /--db: must not be empty/],
    [['--queue-spans', '0'], /--queue-spans/],
    [['--cors-origins', 'not an origin'], /--cors-origins/],
    [['--bogus'], /bogus/],
    [['--host', 'a b'], /--host/],
    [['--decision-wait', '5'], /--decision-wait: "5" is not a duration like 500ms, 5s or 1m/],
    [['--decision-wait', '0s'], /--decision-wait: "0s" is not a duration/],
    [['--decision-wait', '40s'], /--sampling-max-age: 30s is shorter than --decision-wait 40s/],
    [['--sampling-buffer', '0'], /--sampling-buffer: "0" is not a positive integer/],
    [['--sampling', ''], /--sampling: must not be empty/],
  ])('rejects %j naming the flag', (argv, message) => {
    expect(() => loadConfig({}, argv)).toThrow(ConfigError);
    expect(() => loadConfig({}, argv)).toThrow(message);
  });

  it('names the environment variable when the bad value came from there', () => {
    expect(() => loadConfig({ TRACELITE_UI_PORT: '-1' }, [])).toThrow(/TRACELITE_UI_PORT/);
  });

  it('answers --help and --version', () => {
    expect(loadConfig({}, ['--help']).kind).toBe('help');
    expect(loadConfig({}, ['--version']).kind).toBe('version');
    for (const name of ['--host', '--ui-port', '--otlp-http-port', '--otlp-grpc-port', '--db', 'TRACELITE_UI_PORT', '16686', '4318', '4317', '--sampling', '--decision-wait', '--sampling-buffer']) {
      expect(usage()).toContain(name);
    }
  });
});
