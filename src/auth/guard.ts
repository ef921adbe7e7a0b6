import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HostCheck } from './hosts.js';
import type { AuthToken } from './token.js';

/** What the UI port checks before any route runs. */
export interface UiGuardOptions {
  /** `--auth-token`; undefined = no authentication. */
  token?: AuthToken;
  hosts: HostCheck;
}

/** The OTLP/HTTP receiver paths the UI port also serves: write-only, so any Host may send to them. */
const RECEIVER_PATH = /^\/v1\/(traces|metrics|logs)$/;
/** Answers JSON rather than a login redirect: the APIs and receivers, whose clients are programs. */
const API_PATH = /^\/(api|jaeger|tempo|v1)(\/|$)/;
/** What the login page itself needs without a session. */
const OPEN_PATH = /^\/(login|static\/[^?]*|favicon\.ico)$/;

/** The Host check (DNS rebinding) and, with `--auth-token`, the login requirement of the UI port. */
export function uiGuard(app: FastifyInstance, opts: UiGuardOptions): void {
  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0];
    const receiver = RECEIVER_PATH.test(path);
    if (!receiver && !opts.hosts.allows(req.headers.host)) return refuseHost(req, reply);
    const { token } = opts;
    if (!token || req.method === 'OPTIONS' && receiver) return;
    if (token.matchesBearer(req.headers.authorization)) return;
    if (!receiver && token.matchesCookie(req.headers.cookie)) return;
    if (!receiver && OPEN_PATH.test(path)) return;
    if (API_PATH.test(path) || (req.method !== 'GET' && req.method !== 'HEAD') || req.headers['hx-request'] === 'true') {
      return unauthorized(reply);
    }
    return reply.code(303).header('location', `/login?next=${encodeURIComponent(req.url)}`).header('cache-control', 'no-store').send();
  });
}

/** The receiver ports (OTLP/HTTP, Zipkin): any Host, and with `--auth-token` a Bearer token on every send. */
export function receiverGuard(app: FastifyInstance, token: AuthToken | undefined): void {
  if (!token) return;
  app.addHook('onRequest', async (req, reply) => {
    // A browser's CORS preflight carries no credentials by definition; it only learns the CORS headers.
    if (req.method === 'OPTIONS' || token.matchesBearer(req.headers.authorization)) return;
    return unauthorized(reply);
  });
}

function unauthorized(reply: FastifyReply): FastifyReply {
  // `code` 16 is UNAUTHENTICATED, so the body also reads as the google.rpc.Status an OTLP exporter expects.
  return reply
    .code(401)
    .header('www-authenticate', 'Bearer realm="tracelite"')
    .type('application/json; charset=utf-8')
    .send({ error: 'unauthenticated: send Authorization: Bearer <token> (the --auth-token tracelite was started with)', code: 16 });
}

function refuseHost(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const given = HostCheck.nameOf(req.headers.host) ?? '(none or malformed)';
  const shown = given.length > 100 ? `${given.slice(0, 100)}…` : given;
  return reply
    .code(403)
    .type('text/plain; charset=utf-8')
    .send(
      `tracelite refused this request: Host ${shown} is not a name this server answers to (a guard against DNS rebinding).\n` +
        `To open the UI under that name, start tracelite with --allowed-hosts ${shown} (or TRACELITE_ALLOWED_HOSTS).\n`,
    );
}
