import { isIP } from 'node:net';

/**
 * DNS rebinding: a page on evil.example can point its own name at 127.0.0.1 and then read the UI port as "same
 * origin". The browser still sends `Host: evil.example`, so the UI port answers only to names it knows: the
 * loopback names, the `--host` it was started with, and `--allowed-hosts`. An IP literal is accepted too — a
 * rebinding attack needs a name the attacker controls, and an address in the Host header is not one (so
 * `http://192.168.1.5:16686` works when bound to 0.0.0.0, as in Vite and Jupyter).
 */
export class HostCheck {
  private readonly names: ReadonlySet<string>;

  constructor(bindHost: string, allowed: readonly string[]) {
    const names = ['localhost', '127.0.0.1', '[::1]', ...allowed, bindHost].map(normalise);
    this.names = new Set(names.filter((n) => n !== '' && n !== '0.0.0.0' && n !== '[::]'));
  }

  /** The Host header's name (port taken off, lowercase), or undefined when it is missing or malformed. */
  static nameOf(hostHeader: string | undefined): string | undefined {
    if (!hostHeader) return undefined;
    const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::\d{1,5})?$/.exec(hostHeader.trim());
    return m ? normalise(m[1]) : undefined;
  }

  allows(hostHeader: string | undefined): boolean {
    const name = HostCheck.nameOf(hostHeader);
    if (name === undefined) return false;
    if (this.names.has(name)) return true;
    return isIP(name.startsWith('[') ? name.slice(1, -1) : name) !== 0;
  }
}

/** Lowercase, no trailing dot (`localhost.` is localhost), IPv6 addresses bracketed as in a Host header. */
function normalise(host: string): string {
  let h = host.trim().toLowerCase().replace(/\.$/, '');
  if (h.includes(':') && !h.startsWith('[')) h = `[${h}]`;
  return h;
}
