import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { eventually, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let app: ChildProcess | undefined;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  app?.kill('SIGKILL');
  await server.close();
});

it("a newcomer's auto-instrumented app, on the SDK's defaults, lands whole in tracelite", async () => {
  const dir = path.join(PACKAGE_ROOT, 'test/fixtures/newcomer');
  app = spawn(process.execPath, ['--require', path.join(dir, 'tracing.cjs'), path.join(dir, 'app.cjs')], {
    cwd: PACKAGE_ROOT,
    env: {
      PATH: process.env.PATH,
      OTEL_SERVICE_NAME: 'newcomer-app',
      OTEL_EXPORTER_OTLP_ENDPOINT: server.otlpUrl,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  app.stdout!.on('data', (d) => (output += d));
  app.stderr!.on('data', (d) => (output += d));
  await eventually(() => (output.includes('request done') ? true : undefined), 20_000);
  // The SDK exports every 5 s by default; SIGTERM makes the snippet's handler flush at once.
  app.kill('SIGTERM');
  await new Promise((r) => app!.once('exit', r));
  expect(output).not.toMatch(/error/i);

  const list = await eventually(async () => {
    const body = await (await fetch(`${server.uiUrl}/api/traces?service=newcomer-app`)).json();
    return body.traces.find((t: { rootName: string }) => t.rootName === 'GET') ?? undefined;
  }, 20_000);
  expect(list).toMatchObject({ rootService: 'newcomer-app', errorCount: 0 });

  const trace = await (await fetch(`${server.uiUrl}/api/traces/${list.traceId}`)).json();
  expect(trace.spans).toHaveLength(list.spanCount);
  // The app's own call is the root: client GET /hello → server /hello → client /world → server /world.
  type S = { spanId: string; parentSpanId: string; kind: string; attributes: Record<string, unknown>; resource: Record<string, unknown>; scope: { name: string } };
  const spans: S[] = trace.spans;
  const childOf = (p: S) => spans.filter((s) => s.parentSpanId === p.spanId);
  const chain: S[] = [spans.find((s) => s.parentSpanId === '')!];
  while (childOf(chain[chain.length - 1]).length === 1) chain.push(childOf(chain[chain.length - 1])[0]);
  expect(chain.map((s) => s.kind)).toEqual(['client', 'server', 'client', 'server']);
  expect(chain[1].attributes['http.target'] ?? chain[1].attributes['url.path']).toBe('/hello');
  expect(chain[3].attributes['http.target'] ?? chain[3].attributes['url.path']).toBe('/world');
  for (const s of chain) {
    expect(s.resource['service.name']).toBe('newcomer-app');
    expect(s.scope.name).toBe('@opentelemetry/instrumentation-http');
  }
});
