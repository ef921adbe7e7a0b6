/** Formatting for view models: templates receive finished strings, never raw nanoseconds. */

/** "850 µs", "12.3 ms", "1.42 s", "2 m 05 s". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const a = Math.abs(ms);
  if (a < 1) return `${trim((ms * 1000).toFixed(a < 0.01 ? 2 : 0))} µs`;
  if (a < 10) return `${trim(ms.toFixed(2))} ms`;
  if (a < 1000) return `${trim(ms.toFixed(a < 100 ? 1 : 0))} ms`;
  if (a < 60_000) return `${trim((ms / 1000).toFixed(2))} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
}

function trim(n: string): string {
  return n.includes('.') ? n.replace(/\.?0+$/, '') : n;
}

/** Epoch ns to ISO 8601 UTC with milliseconds, for `<time datetime>` and as the no-JavaScript text. */
export function isoUtc(ns: bigint): string {
  return new Date(Number(ns / 1_000_000n)).toISOString();
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago". */
export function relativeTime(ns: bigint, nowMs: number): string {
  const s = Math.round((nowMs - Number(ns / 1_000_000n)) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/**
 * The hues a service may get: 25° … 279°, orange through green, blue and violet. The arc left out (280° … 24°,
 * magenta, pink and red) belongs to errors (`--error` in public/app.css is a crimson of hue ≈ 340°), so a
 * service's colour never reads as "failed": across 1,000 random names every service colour stays at least
 * CIEDE2000 ΔE 20 from the error colour in both themes (test/unit/palette.test.ts; 2.3 is "just noticeable").
 */
export const SERVICE_HUE_FROM = 25;
export const SERVICE_HUE_SPAN = 255;

/**
 * A stable colour per service: the same name gets the same hue on every page and every run (FNV-1a hash into
 * the arc above), with saturation and lightness left to the theme's CSS.
 */
export function serviceHue(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return SERVICE_HUE_FROM + ((h >>> 0) % SERVICE_HUE_SPAN);
}

/** Inline style for a service swatch or bar: `--hue: 212`. Numbers only, so it is safe in a style attribute. */
export function hueStyle(name: string): string {
  return `--hue: ${serviceHue(name)}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}
