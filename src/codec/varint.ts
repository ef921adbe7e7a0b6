/**
 * Varint helpers on plain buffers, for assembling chunks at a known size. Numbers are non-negative integers;
 * `Num` variants take up to 2^53, `Big` variants any non-negative bigint below 2^70.
 */

const TWO31 = 2147483648;

export function lenU32(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

export function putU32(b: Uint8Array, p: number, n: number): number {
  while (n > 0x7f) {
    b[p++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  b[p++] = n;
  return p;
}

export function lenU64Num(n: number): number {
  let k = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    k++;
  }
  return k;
}

export function putU64Num(b: Uint8Array, p: number, n: number): number {
  while (n >= TWO31) {
    const low = n % 128;
    b[p++] = low | 0x80;
    n = (n - low) / 128;
  }
  return putU32(b, p, n);
}

export function lenU64Big(v: bigint): number {
  let k = 1;
  while (v >= 128n) {
    v >>= 7n;
    k++;
  }
  return k;
}

export function putU64Big(b: Uint8Array, p: number, v: bigint): number {
  while (v >= 128n) {
    b[p++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  b[p++] = Number(v);
  return p;
}

/** Zigzag of a signed 32-bit integer, as an unsigned 32-bit number. */
export function zz32(n: number): number {
  return ((n << 1) ^ (n >> 31)) >>> 0;
}

export function unzz32(z: number): number {
  return (z >>> 1) ^ -(z & 1);
}

const HEX_NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) HEX_NIBBLE[97 + i] = HEX_NIBBLE[65 + i] = 10 + i;

/** Writes even-length hex text as bytes; false (and a partial write) if `hex` is not hex. */
export function putHex(b: Uint8Array, p: number, hex: string): boolean {
  for (let i = 0; i < hex.length; i += 2) {
    const c1 = hex.charCodeAt(i);
    const c2 = hex.charCodeAt(i + 1);
    const hi = c1 < 128 ? HEX_NIBBLE[c1] : -1;
    const lo = c2 < 128 ? HEX_NIBBLE[c2] : -1;
    if (hi < 0 || lo < 0) return false;
    b[p++] = (hi << 4) | lo;
  }
  return true;
}

const HEX_PAIRS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Lowercase hex of `b[s, e)`. For IDs (8 and 16 bytes) concatenating table entries is ~8x faster than
 * `buf.toString('hex')` (10 vs 78 ns measured for 8 bytes), whose native call dominates at that size.
 */
export function hexOf(b: Uint8Array, s: number, e: number): string {
  if (e - s > 32) return Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('hex');
  let h = '';
  for (let i = s; i < e; i++) h += HEX_PAIRS[b[i]];
  return h;
}
