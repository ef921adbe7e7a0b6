import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ForwardTarget } from '../../src/config.js';
import { startTracelite, type Tracelite } from '../../src/server.js';

export function tempDbPath(): { dir: string; db: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelite-test-'));
  return { dir, db: path.join(dir, 'tracelite.db') };
}

export type TestServer = Tracelite;

/**
 * A whole tracelite on 127.0.0.1, random ports (or none, for inject), over a fresh temp database — or over `db`
 * (kept on close: the caller owns it) and on `otlpHttpPort`, to restart one where it was.
 */
export async function startServer(
  opts: {
    queueSpans?: number;
    listen?: boolean;
    now?: () => number;
    graceMs?: number;
    maxSpans?: number;
    /** Tail sampling: 'off' (default), 'starter' or a policy file, with its timings (ms) and buffer (spans). */
    sampling?: string;
    decisionWaitMs?: number;
    samplingMaxAgeMs?: number;
    samplingBuffer?: number;
    db?: string;
    otlpHttpPort?: number;
    forward?: ForwardTarget;
    forwardQueueSpans?: number;
    /** `--auth-token`, `--allowed-hosts` and `--host` (the listeners still bind 127.0.0.1 when `host` is a name for it). */
    authToken?: string;
    allowedHosts?: string[];
    host?: string;
    /** --max-attribute-length (default 64 KiB, 0 = none) and --max-body-size (default 64 MiB). */
    maxAttributeLength?: number;
    maxBodyBytes?: number;
  } = {},
): Promise<TestServer> {
  const temp = opts.db === undefined ? tempDbPath() : undefined;
  const db = opts.db ?? temp!.db;
  const t = await startTracelite(
    {
      host: opts.host ?? '127.0.0.1', uiPort: 0, otlpHttpPort: opts.otlpHttpPort ?? 0, otlpGrpcPort: 0, zipkinPort: 0, db, corsOrigins: ['*'],
      queueSpans: opts.queueSpans ?? 200_000, maxSpans: opts.maxSpans, forward: opts.forward, forwardQueueSpans: opts.forwardQueueSpans,
      authToken: opts.authToken, allowedHosts: opts.allowedHosts,
      sampling: opts.sampling, decisionWaitMs: opts.decisionWaitMs, samplingMaxAgeMs: opts.samplingMaxAgeMs, samplingBuffer: opts.samplingBuffer,
      maxAttributeLength: opts.maxAttributeLength, maxBodyBytes: opts.maxBodyBytes,
    },
    { listen: opts.listen, now: opts.now, graceMs: opts.graceMs },
  );
  return {
    ...t,
    async close() {
      await t.close();
      if (temp) fs.rmSync(temp.dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` returns a value (not undefined) or the deadline passes. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** GET through fastify.inject on the UI port, answering status and parsed JSON body. */
export async function getJson(server: TestServer, url: string): Promise<{ status: number; body: any }> {
  const res = await server.ui.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.json() };
}
