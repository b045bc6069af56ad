/**
 * Decoding of tar header blocks, shared by the outer-archive index and the layer parser:
 * checksums, octal and base-256 numbers, ustar names and PAX records.
 * @module
 */

/** Size of a tar block. */
export const BLOCK = 512;

/** True for an all-zero block (the end-of-archive marker). */
export function isZero(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i += 4) if (block.readUInt32LE(i) !== 0) return false;
  return true;
}

/** True when the block's stored checksum matches its bytes. */
export function checksumMatches(block: Buffer): boolean {
  const stored = parseNumber(block, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 32 : (block[i] as number);
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  // Some historic writers summed signed bytes; both are accepted, as GNU tar does.
  return stored === unsigned || stored === signed;
}

/** Octal (NUL/space terminated), or base-256 when the high bit is set. */
export function parseNumber(block: Buffer, start: number, length: number): number | undefined {
  const first = block[start] as number;
  if ((first & 0x80) !== 0) {
    let value = first & 0x7f;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + (block[i] as number);
    return Number.isSafeInteger(value) ? value : undefined;
  }
  let value = 0;
  let digits = 0;
  for (let i = start; i < start + length; i++) {
    const c = block[i] as number;
    if (c === 0 || c === 0x20) {
      if (digits > 0) break;
      continue;
    }
    if (c < 0x30 || c > 0x37) return undefined;
    value = value * 8 + (c - 0x30);
    digits++;
  }
  return value;
}

/** A NUL-terminated UTF-8 string field. */
export function cString(data: Buffer, start: number, length: number): string {
  const end = data.indexOf(0, start);
  return data.toString('utf8', start, end === -1 || end > start + length ? start + length : end);
}

/** The member name of a header block, with the ustar prefix applied. */
export function ustarName(block: Buffer): string {
  const name = cString(block, 0, 100);
  // Only POSIX ustar ("ustar\0") has a prefix field; GNU keeps other data there.
  if (block[257] === 0x75 && block.toString('latin1', 257, 263) === 'ustar\0') {
    const prefix = cString(block, 345, 155);
    if (prefix !== '') return `${prefix}/${name}`;
  }
  return name;
}

/** The `key=value` records of a PAX extended header. */
export function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) break;
    const length = Number(data.toString('latin1', pos, space));
    if (!Number.isInteger(length) || length <= space - pos || pos + length > data.length) break;
    const record = data.toString('utf8', space + 1, pos + length - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += length;
  }
  return out;
}
