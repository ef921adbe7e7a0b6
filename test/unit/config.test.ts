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
      forward: null,
      forwardQueueSpans: 100_000,
      authToken: '',
      allowedHosts: [],
      maxAttributeLength: 64 * 1024,
      maxBodyBytes: 64 * 1024 ** 2,
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
        TRACELITE_FORWARD: 'https://otlp.example.com:4318',
        TRACELITE_FORWARD_HEADER: 'x-api-key=a%2Cb,x-team = core',
        TRACELITE_FORWARD_QUEUE: '5000',
        TRACELITE_AUTH_TOKEN: 's3cret-token',
        TRACELITE_ALLOWED_HOSTS: 'tracelite.internal, box.lan',
        TRACELITE_MAX_ATTRIBUTE_LENGTH: '1000',
        TRACELITE_MAX_BODY_SIZE: '8MiB',
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
      forward: { url: 'https://otlp.example.com:4318/v1/traces', headers: [['x-api-key', 'a,b'], ['x-team', 'core']] },
      forwardQueueSpans: 5000,
      authToken: 's3cret-token',
      allowedHosts: ['tracelite.internal', 'box.lan'],
      maxAttributeLength: 1000,
      maxBodyBytes: 8 * 1024 ** 2,
    });
  });

  it('reads the input limits: --max-attribute-length (0 = none) and --max-body-size, in bounds', () => {
    expect(run({}, ['--max-attribute-length', '0']).maxAttributeLength).toBe(0);
    expect(run({}, ['--max-attribute-length', '4KiB']).maxAttributeLength).toBe(4096);
    expect(run({}, ['--max-body-size', '1MB']).maxBodyBytes).toBe(1e6);
    expect(() => run({}, ['--max-attribute-length', 'lots'])).toThrow(/--max-attribute-length: "lots" is not a size/);
    expect(() => run({}, ['--max-body-size', '0'])).toThrow(/--max-body-size: "0" .*1KiB to 1GiB/);
    expect(() => run({}, ['--max-body-size', '2GiB'])).toThrow(/--max-body-size/);
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
    [['--auth-token', 'short'], /--auth-token: the token must be at least 8 printable characters/],
    [['--allowed-hosts', 'http://a.example'], /--allowed-hosts: "http:\/\/a.example" is not a host name/],
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
    [['--forward', 'collector:4318'], /--forward: "collector:4318" must be an http:\/\/ or https:\/\/ URL/],
    [['--forward', 'not a url'], /--forward: "not a url" is not a URL like http:\/\/collector:4318/],
    [['--forward', 'http://c:4318/?x=1'], /--forward: .*a query or fragment/],
    [['--forward', 'http://c:4318', '--forward-header', 'novalue'], /--forward-header: "novalue" is not name=value/],
    [['--forward', 'http://c:4318', '--forward-header', 'bad name=1'], /--forward-header: "bad name=1" is not name=value/],
    [['--forward', 'http://c:4318', '--forward-header', 'Content-Type=text/plain'], /--forward-header: "content-type" is set by tracelite itself/],
    [['--forward-header', 'a=b'], /--forward-header: needs --forward/],
    [['--forward', 'http://c:4318', '--forward-queue', '0'], /--forward-queue/],
  ])('rejects %j naming the flag', (argv, message) => {
    expect(() => loadConfig({}, argv)).toThrow(ConfigError);
    expect(() => loadConfig({}, argv)).toThrow(message);
  });

  it('names the environment variable when the bad value came from there', () => {
    expect(() => loadConfig({ TRACELITE_UI_PORT: '-1' }, [])).toThrow(/TRACELITE_UI_PORT/);
  });

  it('reads --forward as an OTLP/HTTP base URL: /v1/traces appended unless already there, credentials as Basic auth', () => {
    expect(run({}, ['--forward', 'http://collector:4318']).forward).toEqual({ url: 'http://collector:4318/v1/traces', headers: [] });
    expect(run({}, ['--forward', 'http://collector:4318/']).forward?.url).toBe('http://collector:4318/v1/traces');
    expect(run({}, ['--forward', 'https://otlp.vendor.io/otlp/v1/traces']).forward?.url).toBe('https://otlp.vendor.io/otlp/v1/traces');
    expect(run({}, ['--forward', 'https://otlp-gateway.grafana.net/otlp/']).forward?.url).toBe('https://otlp-gateway.grafana.net/otlp/v1/traces');
    expect(run({}, ['--forward', 'http://me:p%40ss@collector:4318']).forward).toEqual({
      url: 'http://collector:4318/v1/traces',
      headers: [['authorization', `Basic ${Buffer.from('me:p@ss').toString('base64')}`]],
    });
    // An explicit authorization header wins over the URL's credentials.
    expect(run({}, ['--forward', 'http://me:x@c:4318', '--forward-header', 'Authorization=Bearer t']).forward?.headers).toEqual([['authorization', 'Bearer t']]);
  });

  it('takes --forward-header more than once, as given (values with = and commas), over the environment list', () => {
    const c = run({ TRACELITE_FORWARD_HEADER: 'x-env=1' }, ['--forward', 'http://c:4318', '--forward-header', 'x-a=1=2,3', '--forward-header=X-B= b ']);
    expect(c.forward?.headers).toEqual([['x-a', '1=2,3'], ['x-b', 'b']]);
  });

  it('answers --help and --version', () => {
    expect(loadConfig({}, ['--help']).kind).toBe('help');
    expect(loadConfig({}, ['--version']).kind).toBe('version');
    for (const name of ['--host', '--ui-port', '--otlp-http-port', '--otlp-grpc-port', '--db', 'TRACELITE_UI_PORT', '16686', '4318', '4317', '--sampling', '--decision-wait', '--sampling-buffer']) {
      expect(usage()).toContain(name);
    }
  });
});
