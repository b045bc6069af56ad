/**
 * Writes zip archives in memory for tests that need what no honest zip writer produces: lying
 * sizes, overlapping entries, broken offsets, saturated zip64 fields. Well-formed archives in the
 * tests come from real writers (Info-ZIP, Python's zipfile, Maven) under fixtures/.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface BuildEntry {
  name: string;
  data?: Buffer | string;
  /** 0 stored (default), 8 deflated. */
  method?: number;
  /** Point this central entry at the local record of an earlier entry (overlapping entries). */
  sameDataAs?: string;
  /** Values written in place of the true ones, in both headers. */
  declare?: Partial<{ crc32: number; size: number; compressedSize: number; flags: number; method: number }>;
  /** Write sizes and offset as 0xFFFFFFFF with the real values in a zip64 extra field. */
  zip64?: boolean;
}

export interface BuildOptions {
  /** Bytes written before the archive (a launch script); offsets stay relative to the archive. */
  prefix?: Buffer;
  comment?: string;
  /** Entry count written in the end record (default: the real one, modulo 65536). */
  declaredCount?: number;
  /** Added to the central directory offset written in the end record. */
  cdOffsetDelta?: number;
  /** Also write a zip64 end record and locator. */
  zip64End?: boolean;
}

interface Local {
  offset: number;
  crc: number;
  size: number;
  compressedSize: number;
  method: number;
  flags: number;
}

/** Builds a zip from `entries`, in order. */
export function buildZip(entries: readonly BuildEntry[], options: BuildOptions = {}): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  const locals = new Map<string, Local>();
  const central: Buffer[] = [];
  for (const entry of entries) {
    let local = entry.sameDataAs === undefined ? undefined : locals.get(entry.sameDataAs);
    const nameBytes = Buffer.from(entry.name, 'utf8');
    if (local === undefined) {
      const data = typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : (entry.data ?? Buffer.alloc(0));
      const method = entry.method ?? 0;
      const stored = method === 8 ? deflateRawSync(data) : data;
      local = {
        offset,
        crc: entry.declare?.crc32 ?? crc32(data),
        size: entry.declare?.size ?? data.length,
        compressedSize: entry.declare?.compressedSize ?? stored.length,
        method: entry.declare?.method ?? method,
        flags: entry.declare?.flags ?? 0x0800,
      };
      const header = Buffer.alloc(30);
      header.writeUInt32LE(0x04034b50, 0);
      header.writeUInt16LE(20, 4);
      header.writeUInt16LE(local.flags, 6);
      header.writeUInt16LE(local.method, 8);
      header.writeUInt32LE(local.crc, 14);
      header.writeUInt32LE(entry.zip64 ? 0xffffffff : local.compressedSize, 18);
      header.writeUInt32LE(entry.zip64 ? 0xffffffff : local.size, 22);
      header.writeUInt16LE(nameBytes.length, 26);
      header.writeUInt16LE(0, 28);
      parts.push(header, nameBytes, stored);
      offset += header.length + nameBytes.length + stored.length;
      locals.set(entry.name, local);
    }
    let extra = Buffer.alloc(0);
    if (entry.zip64) {
      extra = Buffer.alloc(4 + 24);
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(24, 2);
      extra.writeBigUInt64LE(BigInt(local.size), 4);
      extra.writeBigUInt64LE(BigInt(local.compressedSize), 12);
      extra.writeBigUInt64LE(BigInt(local.offset), 20);
    }
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(45, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(local.flags, 8);
    header.writeUInt16LE(local.method, 10);
    header.writeUInt32LE(local.crc, 16);
    header.writeUInt32LE(entry.zip64 ? 0xffffffff : local.compressedSize, 20);
    header.writeUInt32LE(entry.zip64 ? 0xffffffff : local.size, 24);
    header.writeUInt16LE(nameBytes.length, 28);
    header.writeUInt16LE(extra.length, 30);
    header.writeUInt32LE(entry.zip64 ? 0xffffffff : local.offset, 42);
    central.push(Buffer.concat([header, nameBytes, extra]));
  }
  const cdOffset = offset;
  const cd = Buffer.concat(central);
  parts.push(cd);
  offset += cd.length;
  if (options.zip64End) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(45, 12);
    record.writeUInt16LE(45, 14);
    record.writeBigUInt64LE(BigInt(entries.length), 24);
    record.writeBigUInt64LE(BigInt(entries.length), 32);
    record.writeBigUInt64LE(BigInt(cd.length), 40);
    record.writeBigUInt64LE(BigInt(cdOffset + (options.cdOffsetDelta ?? 0)), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset), 8);
    locator.writeUInt32LE(1, 16);
    parts.push(record, locator);
  }
  const comment = Buffer.from(options.comment ?? '', 'utf8');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  const count = options.declaredCount ?? entries.length % 0x10000;
  end.writeUInt16LE(options.zip64End ? 0xffff : count, 8);
  end.writeUInt16LE(options.zip64End ? 0xffff : count, 10);
  end.writeUInt32LE(options.zip64End ? 0xffffffff : cd.length, 12);
  end.writeUInt32LE(options.zip64End ? 0xffffffff : cdOffset + (options.cdOffsetDelta ?? 0), 16);
  end.writeUInt16LE(comment.length, 20);
  parts.push(end, comment);
  return Buffer.concat([options.prefix ?? Buffer.alloc(0), ...parts]);
}
