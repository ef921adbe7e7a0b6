import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SERVICE_HUE_FROM, SERVICE_HUE_SPAN, serviceHue } from '../../src/web/format.js';
import { contrast, deltaE2000, hex, hsl, lab, over, type Rgb } from '../helpers/colour.js';

/**
 * The palette as the browser paints it: the theme colours are read from public/app.css and public/trace.css
 * (so a CSS edit that breaks a rule fails here), the service hue from format.ts.
 */
const appCss = readFileSync(new URL('../../public/app.css', import.meta.url), 'utf8');
const traceCss = readFileSync(new URL('../../public/trace.css', import.meta.url), 'utf8');

type Theme = 'light' | 'dark';
function themeVar(name: string, theme: Theme): Rgb {
  const m = new RegExp(`--${name}: light-dark\\((#[0-9a-f]{6}), (#[0-9a-f]{6})\\)`, 'i').exec(appCss);
  if (!m) throw new Error(`--${name} not found in app.css`);
  return hex(theme === 'light' ? m[1] : m[2]);
}
/** Service saturation and lightness: the :root defaults (light), the data-theme='dark' override. */
function svcSl(theme: Theme): { s: number; l: number } {
  const block = theme === 'light' ? /:root \{[^}]*\}/.exec(appCss)![0] : /:root\[data-theme='dark'\] \{[^}]*--svc-l[^}]*\}/.exec(appCss)![0];
  return { s: Number(/--svc-s: (\d+)%/.exec(block)![1]), l: Number(/--svc-l: (\d+)%/.exec(block)![1]) };
}
/** The waterfall's service-name text: hsl(var(--hue) S% L%) per theme. */
function labelSl(theme: Theme): { s: number; l: number } {
  const re = theme === 'light' ? /^\.wf-svc \{[^}]*hsl\(var\(--hue\) (\d+)% (\d+)%\)/m : /:root\[data-theme='dark'\] \.wf-svc \{ color: hsl\(var\(--hue\) (\d+)% (\d+)%\)/;
  const m = re.exec(traceCss)!;
  return { s: Number(m[1]), l: Number(m[2]) };
}

/** A reproducible stream of random service names (mulberry32), some shaped like real ones. */
function randomNames(n: number, seed: number): string[] {
  let a = seed;
  const rnd = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789-_.';
  return Array.from({ length: n }, () => {
    const len = 1 + Math.floor(rnd() * 24);
    let s = '';
    for (let i = 0; i < len; i++) s += chars[Math.floor(rnd() * chars.length)];
    return s;
  });
}

const THEMES: Theme[] = ['light', 'dark'];
/** CIEDE2000: 2.3 is just noticeable; 20 is "another colour" at a glance, which is what a palette needs. */
const MIN_DELTA_E = 20;

describe('service colours never look like the error colour', () => {
  const names = [...randomNames(1000, 11), 'inventory', 'payments', 'pricing-api', 'checkout', 'frontend', 'error', 'red'];

  it.each(THEMES)('%s: every service colour of 1,000 random names is at least ΔE00 20 from --error', (theme) => {
    const error = lab(themeVar('error', theme));
    const { s, l } = svcSl(theme);
    let worst = Infinity;
    for (const name of names) {
      const h = serviceHue(name);
      expect(h).toBeGreaterThanOrEqual(SERVICE_HUE_FROM);
      expect(h).toBeLessThan(SERVICE_HUE_FROM + SERVICE_HUE_SPAN);
      worst = Math.min(worst, deltaE2000(lab(hsl(h, s, l)), error));
    }
    console.log(`${theme}: closest service colour to the error colour is ΔE00 ${worst.toFixed(1)}`);
    expect(worst).toBeGreaterThanOrEqual(MIN_DELTA_E);
  });

  it.each(THEMES)('%s: holds for every hue the arc can give, not just the names tried', (theme) => {
    const error = lab(themeVar('error', theme));
    const { s, l } = svcSl(theme);
    for (let h = SERVICE_HUE_FROM; h < SERVICE_HUE_FROM + SERVICE_HUE_SPAN; h++) {
      expect(deltaE2000(lab(hsl(h, s, l)), error), `hue ${h}`).toBeGreaterThanOrEqual(MIN_DELTA_E);
    }
    // The test can fail: the error's own hue, at the service lightness, is right next to it.
    expect(deltaE2000(lab(hsl(340, s, l)), error)).toBeLessThan(MIN_DELTA_E);
  });

  it('the hash still spreads names over the arc (a palette of one colour would pass the rest)', () => {
    const hues = new Set(randomNames(1000, 7).map(serviceHue));
    expect(hues.size).toBeGreaterThan(200);
  });

  it('the CIEDE2000 arithmetic matches Sharma, Wu & Dalal\'s test data', () => {
    expect(deltaE2000([50, 2.6772, -79.7751], [50, 0, -82.7485])).toBeCloseTo(2.0425, 4);
    expect(deltaE2000([50, -1.3802, -84.2814], [50, 0, -82.7485])).toBeCloseTo(1.0, 3);
    expect(deltaE2000([60.2574, -34.0099, 36.2677], [60.4626, -34.1751, 39.4387])).toBeCloseTo(1.2644, 4);
    expect(deltaE2000([2.0776, 0.0795, -1.135], [0.9033, -0.0636, -0.5514])).toBeCloseTo(0.9082, 4);
  });
});

describe('text contrast, WCAG AA (4.5:1), in both themes', () => {
  it.each(THEMES)('%s: text, muted text, links and error text on every background', (theme) => {
    for (const bg of ['bg', 'panel', 'panel-2']) {
      for (const fg of ['text', 'muted', 'error', 'accent']) {
        const ratio = contrast(themeVar(fg, theme), themeVar(bg, theme));
        expect(ratio, `--${fg} on --${bg}: ${ratio.toFixed(2)}`).toBeGreaterThanOrEqual(4.5);
      }
    }
    expect(contrast(themeVar('error', theme), themeVar('error-soft', theme))).toBeGreaterThanOrEqual(4.5);
  });

  it.each(THEMES)('%s: the waterfall\'s service names in their own hue, at every hue, on the panel', (theme) => {
    const { s, l } = labelSl(theme);
    const panel = themeVar('panel', theme);
    let worst = Infinity;
    for (let h = 0; h < 360; h++) worst = Math.min(worst, contrast(hsl(h, s, l), panel));
    console.log(`${theme}: service-name text, worst contrast ${worst.toFixed(2)}`);
    expect(worst).toBeGreaterThanOrEqual(4.5);
  });

  it.each(THEMES)('%s: text on a service chip (its hue at 14 percent over the panel)', (theme) => {
    const { s, l } = svcSl(theme);
    const panel = themeVar('panel', theme);
    for (let h = 0; h < 360; h += 5) expect(contrast(themeVar('text', theme), over(hsl(h, s, l), 0.14, panel))).toBeGreaterThanOrEqual(4.5);
  });

  it.each(THEMES)('%s: the error icon\'s "!" on the error colour', (theme) => {
    const m = /\.wf-err \{[^}]*color: light-dark\((#[0-9a-f]{6}), (#[0-9a-f]{6})\)/i.exec(traceCss)!;
    const fg = hex(theme === 'light' ? m[1] : m[2]);
    expect(contrast(fg, themeVar('error', theme))).toBeGreaterThanOrEqual(4.5);
  });
});
