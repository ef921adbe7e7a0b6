/** Helpers shared by the demo services: listening on a free port, calling another service, stopping cleanly. */
import { trace } from '@opentelemetry/api';
import type * as Http from 'node:http';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A whole number of milliseconds in [min, max]. */
export const between = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));

export type Handler = (req: Http.IncomingMessage, res: Http.ServerResponse) => Promise<void>;

/**
 * Listens on 127.0.0.1 with port 0 and reports the port the OS chose to the parent over IPC, so no port is
 * fixed. Stops (after `flush`) on SIGTERM/SIGINT, or when the parent goes away: the IPC channel closes when
 * the parent exits, even on SIGKILL, so no demo service outlives the demo.
 */
export function serve(
  http: typeof Http,
  name: string,
  route: string,
  handler: Handler,
  flush: () => Promise<void> = async () => {},
): void {
  const server = http.createServer((req, res) => {
    // What a web framework's instrumentation does: name the server span after the route ("GET /items/{id}"),
    // not just the method. A no-op in pricing-api, which has no SDK.
    const span = trace.getActiveSpan();
    span?.updateName(`${req.method} ${route}`);
    span?.setAttribute('http.route', route);
    handler(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`${name}: ${err.message}\n`);
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    process.send?.({ service: name, port });
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeAllConnections();
    const forced = setTimeout(() => process.exit(0), 3_000);
    forced.unref();
    flush().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.once('disconnect', stop);
}

export interface Reply {
  status: number;
  body: string;
}

/** One request through the given (instrumented or not) http module; network errors become status 0. */
export function call(http: typeof Http, url: string, method = 'GET', body = ''): Promise<Reply> {
  return new Promise((resolve) => {
    const req = http.request(url, { method, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', (err) => resolve({ status: 0, body: err.message }));
    });
    req.on('error', (err) => resolve({ status: 0, body: err.message }));
    req.end(body);
  });
}

export function send(res: Http.ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value) + '\n');
}

/** The address of a downstream service, passed by the demo in an environment variable. */
export function upstream(name: string): string {
  const url = process.env[name];
  if (!url) throw new Error(`${name} is not set`);
  return url.replace(/\/$/, '');
}

/** "host:port" of a URL, as it appears in the Host header of a request to it. */
export function hostOf(url: string): string {
  return new URL(url).host;
}
