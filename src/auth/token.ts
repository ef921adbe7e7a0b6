import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The cookie the login form sets; it holds a value derived from the token, never the token itself. */
export const SESSION_COOKIE = 'tracelite_session';

/**
 * `--auth-token`: one shared secret. Comparisons hash both sides first, so `timingSafeEqual` always compares 32
 * bytes and neither the content nor the length of the expected token leaks through timing.
 */
export class AuthToken {
  private readonly digest: Buffer;
  /** What the session cookie carries: an HMAC of a fixed label under the token, so a leaked cookie is not the token. */
  readonly sessionValue: string;

  constructor(token: string) {
    this.digest = sha256(token);
    this.sessionValue = createHmac('sha256', token).update('tracelite session v1').digest('base64url');
  }

  matches(given: string | undefined): boolean {
    return given !== undefined && timingSafeEqual(sha256(given), this.digest);
  }

  /** `Authorization: Bearer <token>` (the scheme is case-insensitive, RFC 7235). */
  matchesBearer(header: string | undefined): boolean {
    const m = header === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    return this.matches(m?.[1]);
  }

  /** The session cookie from a `Cookie` header. */
  matchesCookie(header: string | undefined): boolean {
    const value = cookieValue(header, SESSION_COOKIE);
    return value !== undefined && timingSafeEqual(sha256(value), sha256(this.sessionValue));
  }

  /** The Set-Cookie of a successful login: HttpOnly (no script reads it), SameSite=Strict (no other site sends it). */
  sessionCookie(secure: boolean): string {
    return `${SESSION_COOKIE}=${this.sessionValue}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  }
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
