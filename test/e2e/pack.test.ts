import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { PACKAGE_ROOT, packageVersion } from '../../src/paths.js';
import { startCli, type RunningCli } from '../helpers/cli.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelite-pack-'));
let running: RunningCli | undefined;
afterAll(() => {
  try {
    if (running) process.kill(-running.child.pid!, 'SIGKILL');
  } catch {
    // The group has already ended.
  }
  fs.rmSync(work, { recursive: true, force: true });
});

// Installs the packed tarball the way a user's `npx` does: from the registry, with no dev dependencies,
// building better-sqlite3 from source. Slow (a minute or two), so it has its own generous timeout.
it('npm pack + npx --yes ./tracelite-<version>.tgz starts tracelite', { timeout: 600_000 }, async () => {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['pack', '--pack-destination', work, '--silent'], { cwd: PACKAGE_ROOT, stdio: 'pipe' });
  const tgz = `tracelite-${packageVersion()}.tgz`;
  expect(fs.existsSync(path.join(work, tgz))).toBe(true);
  const listing = execFileSync('tar', ['-tzf', path.join(work, tgz)], { encoding: 'utf8' });
  expect(listing).toContain('package/dist/main.js');
  expect(listing).toContain('package/migrations/001-init.sql');
  expect(listing).not.toContain('package/src/');
  expect(listing).not.toContain('package/test/');

  running = await startCli('npx', ['--yes', `./${tgz}`, '--ui-port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0', '--db', 'x.db'], {
    cwd: work,
    timeoutMs: 540_000,
    processGroup: true,
  });
  const res = await fetch(`${running.uiUrl}/api/services`);
  expect(await res.json()).toEqual({ services: [] });
  // Ctrl-C in a terminal signals the whole foreground group: npx and the tracelite it started.
  process.kill(-running.child.pid!, 'SIGINT');
  await running.exit;
  await expect(fetch(`${running.uiUrl}/api/services`)).rejects.toThrow();
});
