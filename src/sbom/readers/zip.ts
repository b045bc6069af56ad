/**
 * A zip reader that works from the central directory through random access, so that a large
 * archive (a fat jar, a war) is never read whole: the end-of-central-directory record is found in
 * the last 64 KiB, the central directory is walked in small windows, and only the entries a
 * caller asks for are read (stored ones in place, deflated ones inflated under a bound).
 *
 * Handles zip64, data descriptors (sizes come from the central directory, which always has
 * them), and data prepended to the archive (launch scripts of executable jars). Anything it
 * cannot vouch for is a {@link ZipError}; it never returns a partial listing silently.
 * @module
 */
import { crc32 } from 'node:zlib';
import { SealkitError } from '../../errors.js';
import { InflateError, inflateRawBounded } from './bounded-inflate.js';
import { bufferSource, readExactly, sliceSource, type ByteSource } from './byte-source.js';

/** Why a zip could not be read. */
export type ZipFailure = 'not-zip' | 'corrupt' | 'unsupported' | 'too-large';

/**
 * A zip that cannot be read, or an entry that cannot be read within its bounds. `code` is
 * `FILE_TOO_LARGE` for a bound that was hit, `METADATA_UNPARSABLE` otherwise.
 */
export class ZipError extends SealkitError {
  constructor(
    readonly failure: ZipFailure,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(failure === 'too-large' ? 'FILE_TOO_LARGE' : 'METADATA_UNPARSABLE', message, options);
  }
}

/** One entry of the central directory. */
export interface ZipEntry {
  /** The stored name, decoded as UTF-8 (as Java does), e.g. `META-INF/MANIFEST.MF`. */
  readonly name: string;
  /** 0 stored, 8 deflated; others are listed but cannot be read. */
  readonly method: number;
  readonly flags: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  /** Offset of the entry's local header within the source (any prepended data included). */
  readonly localHeaderOffset: number;
  readonly isDirectory: boolean;
  readonly isEncrypted: boolean;
}

/** An opened archive: where its central directory is and how to walk it. */
export interface ZipDirectory {
  /** Entries the end record declares (modulo 65536 for archives that overflow it without zip64). */
  readonly entryCount: number;
  /** Offset of the central directory within the source. */
  readonly centralDirectoryOffset: number;
  readonly centralDirectorySize: number;
  /** Bytes before the archive proper, e.g. the launch script of an executable jar. */
  readonly prefixLength: number;
  readonly zip64: boolean;
  /**
   * The entries in central directory order. The directory is read in windows as the iteration
   * advances; a damaged header throws {@link ZipError} at that point.
   */
  entries(): Generator<ZipEntry, void, undefined>;
}

/** Entry methods {@link readZipEntry} understands. */
export const STORED = 0;
export const DEFLATED = 8;

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const ZIP64_EOCD_SIZE = 56;
const CENTRAL_SIGNATURE = 0x02014b50;
const CENTRAL_SIZE = 46;
const LOCAL_SIGNATURE = 0x04034b50;
const LOCAL_SIZE = 30;
const ZIP64_EXTRA_ID = 0x0001;
const FLAG_ENCRYPTED = 0x0001;
/** Central directory bytes read at a time: large enough for hundreds of entries per read. */
const WINDOW = 64 * 1024;

/**
 * Finds and checks the end of the central directory.
 * @throws {@link ZipError} `not-zip` when there is no end record, `corrupt` when it points outside
 *   the source, `unsupported` for a multi-disk archive
 */
export function openZip(source: ByteSource): ZipDirectory {
  const tailLength = Math.min(source.size, EOCD_SIZE + MAX_COMMENT);
  const tailStart = source.size - tailLength;
  const tail = readExactly(source, tailStart, tailLength);
  if (tail === undefined) throw new ZipError('not-zip', 'unreadable end of archive');
  const at = findEndRecord(tail);
  if (at < 0) throw new ZipError('not-zip', 'no end of central directory record: not a zip archive');
  const eocdOffset = tailStart + at;
  const disk = tail.readUInt16LE(at + 4);
  const cdDisk = tail.readUInt16LE(at + 6);
  let entryCount = tail.readUInt16LE(at + 10);
  let cdSize = tail.readUInt32LE(at + 12);
  let cdOffset = tail.readUInt32LE(at + 16);
  if (disk !== 0 || cdDisk !== 0) throw new ZipError('unsupported', 'multi-disk (spanned) zip archives are not supported');

  // the directory sits right before its end record: comparing where it is with where the
  // record says it is gives the length of anything prepended to the archive
  let directoryEnd = eocdOffset;
  let zip64 = false;
  const locator = eocdOffset >= ZIP64_LOCATOR_SIZE ? readExactly(source, eocdOffset - ZIP64_LOCATOR_SIZE, ZIP64_LOCATOR_SIZE) : undefined;
  if (locator !== undefined && locator.readUInt32LE(0) === ZIP64_LOCATOR_SIGNATURE) {
    const record = readZip64End(source, locator, eocdOffset - ZIP64_LOCATOR_SIZE);
    zip64 = true;
    entryCount = record.entryCount;
    cdSize = record.cdSize;
    cdOffset = record.cdOffset;
    directoryEnd = record.offset;
  } else if (entryCount === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    throw new ZipError('corrupt', 'the end record needs zip64 values but there is no zip64 locator');
  }
  let prefixLength = directoryEnd - cdSize - cdOffset;
  // some writers get the end record's offset wrong: when a directory header sits where the
  // record says (no prefix), believe that rather than a prefix
  if (prefixLength > 0 && readExactly(source, cdOffset, 4)?.readUInt32LE(0) === CENTRAL_SIGNATURE) prefixLength = 0;
  if (prefixLength < 0) {
    throw new ZipError('corrupt', `the central directory (offset ${cdOffset}, ${cdSize} bytes) does not end before its end record at ${directoryEnd}`);
  }
  if (entryCount > 0 && cdSize < CENTRAL_SIZE) throw new ZipError('corrupt', `${entryCount} entries declared in a ${cdSize}-byte central directory`);
  const centralDirectoryOffset = cdOffset + prefixLength;
  return {
    entryCount,
    centralDirectoryOffset,
    centralDirectorySize: cdSize,
    prefixLength,
    zip64,
    entries: () => walkDirectory(source, centralDirectoryOffset, cdSize, entryCount, prefixLength),
  };
}

/** The last end record whose comment length fits the bytes after it; -1 when none. */
function findEndRecord(tail: Buffer): number {
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== EOCD_SIGNATURE) continue;
    if (i + EOCD_SIZE + tail.readUInt16LE(i + 20) <= tail.length) return i;
  }
  return -1;
}

interface Zip64End {
  offset: number;
  entryCount: number;
  cdSize: number;
  cdOffset: number;
}

function readZip64End(source: ByteSource, locator: Buffer, locatorOffset: number): Zip64End {
  if (locator.readUInt32LE(16) > 1) throw new ZipError('unsupported', 'multi-disk (spanned) zip64 archives are not supported');
  const declared = safeNumber(locator.readBigUInt64LE(8), 'zip64 end record offset');
  // with prepended data the declared offset is off by the prefix; the record (without
  // extensible data, as every writer we know emits it) then sits right before the locator
  const candidates = [declared, locatorOffset - ZIP64_EOCD_SIZE];
  for (const offset of candidates) {
    const record = offset >= 0 ? readExactly(source, offset, ZIP64_EOCD_SIZE) : undefined;
    if (record === undefined || record.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE) continue;
    if (record.readUInt32LE(16) !== 0 || record.readUInt32LE(20) !== 0) {
      throw new ZipError('unsupported', 'multi-disk (spanned) zip64 archives are not supported');
    }
    return {
      offset,
      entryCount: safeNumber(record.readBigUInt64LE(32), 'zip64 entry count'),
      cdSize: safeNumber(record.readBigUInt64LE(40), 'zip64 central directory size'),
      cdOffset: safeNumber(record.readBigUInt64LE(48), 'zip64 central directory offset'),
    };
  }
  throw new ZipError('corrupt', `no zip64 end record at offset ${declared}`);
}

function safeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipError('corrupt', `${what} ${value} is out of range`);
  return Number(value);
}

function* walkDirectory(source: ByteSource, start: number, size: number, declared: number, prefix: number): Generator<ZipEntry, void, undefined> {
  const end = start + size;
  if (end > source.size) throw new ZipError('corrupt', `the central directory runs past the end of the archive (${end} > ${source.size})`);
  let window: Buffer = Buffer.alloc(0);
  let windowStart = start;
  // position of [at, at + length) inside the current window, refilling it when needed
  const view = (at: number, length: number, what: string): number => {
    if (at + length > end) throw new ZipError('corrupt', `${what} at offset ${at} runs past the end of the central directory`);
    if (at < windowStart || at + length > windowStart + window.length) {
      window = source.read(at, Math.min(Math.max(length, WINDOW), end - at));
      windowStart = at;
      if (window.length < length) throw new ZipError('corrupt', `${what} at offset ${at} is cut short`);
    }
    return at - windowStart;
  };
  let at = start;
  let count = 0;
  while (at < end) {
    let o = view(at, CENTRAL_SIZE, 'central directory header');
    if (window.readUInt32LE(o) !== CENTRAL_SIGNATURE) {
      throw new ZipError('corrupt', `bad central directory header signature at offset ${at} (entry ${count + 1})`);
    }
    const nameLength = window.readUInt16LE(o + 28);
    const extraLength = window.readUInt16LE(o + 30);
    const commentLength = window.readUInt16LE(o + 32);
    const total = CENTRAL_SIZE + nameLength + extraLength + commentLength;
    o = view(at, total, 'central directory entry');
    yield parseCentralEntry(window, o, nameLength, extraLength, prefix);
    at += total;
    count++;
  }
  // archives with more than 65535 entries and no zip64 record keep only the low 16 bits
  if (count !== declared && (count - declared) % 0x10000 !== 0) {
    throw new ZipError('corrupt', `the central directory holds ${count} entries, the end record declares ${declared}`);
  }
}

function parseCentralEntry(buf: Buffer, o: number, nameLength: number, extraLength: number, prefix: number): ZipEntry {
  const flags = buf.readUInt16LE(o + 8);
  const method = buf.readUInt16LE(o + 10);
  const crc = buf.readUInt32LE(o + 16);
  let compressedSize = buf.readUInt32LE(o + 20);
  let uncompressedSize = buf.readUInt32LE(o + 24);
  let localHeaderOffset = buf.readUInt32LE(o + 42);
  const name = buf.toString('utf8', o + CENTRAL_SIZE, o + CENTRAL_SIZE + nameLength);
  if (uncompressedSize === 0xffffffff || compressedSize === 0xffffffff || localHeaderOffset === 0xffffffff) {
    // the zip64 extra field holds, in this order, only the values whose 32-bit field is saturated
    const extra = findExtra(buf, o + CENTRAL_SIZE + nameLength, extraLength, ZIP64_EXTRA_ID);
    let p = 0;
    const next = (what: string): number => {
      if (extra === undefined || p + 8 > extra.length) throw new ZipError('corrupt', `entry ${JSON.stringify(name)} lacks its zip64 ${what}`);
      const value = safeNumber(extra.readBigUInt64LE(p), `zip64 ${what}`);
      p += 8;
      return value;
    };
    if (uncompressedSize === 0xffffffff) uncompressedSize = next('size');
    if (compressedSize === 0xffffffff) compressedSize = next('compressed size');
    if (localHeaderOffset === 0xffffffff) localHeaderOffset = next('header offset');
  }
  return {
    name,
    method,
    flags,
    crc32: crc,
    compressedSize,
    uncompressedSize,
    localHeaderOffset: localHeaderOffset + prefix,
    isDirectory: name.endsWith('/'),
    isEncrypted: (flags & FLAG_ENCRYPTED) !== 0,
  };
}

function findExtra(buf: Buffer, start: number, length: number, id: number): Buffer | undefined {
  let p = start;
  const end = start + length;
  while (p + 4 <= end) {
    const fieldId = buf.readUInt16LE(p);
    const fieldSize = buf.readUInt16LE(p + 2);
    if (p + 4 + fieldSize > end) return undefined;
    if (fieldId === id) return buf.subarray(p + 4, p + 4 + fieldSize);
    p += 4 + fieldSize;
  }
  return undefined;
}

/**
 * Offset of an entry's data: past its local header, whose name and extra lengths may differ
 * from the central directory's.
 */
function dataOffset(source: ByteSource, entry: ZipEntry): number {
  const header = readExactly(source, entry.localHeaderOffset, LOCAL_SIZE);
  if (header === undefined || header.readUInt32LE(0) !== LOCAL_SIGNATURE) {
    throw new ZipError('corrupt', `no local header for ${JSON.stringify(entry.name)} at offset ${entry.localHeaderOffset}`);
  }
  const offset = entry.localHeaderOffset + LOCAL_SIZE + header.readUInt16LE(26) + header.readUInt16LE(28);
  if (offset + entry.compressedSize > source.size) {
    throw new ZipError('corrupt', `the data of ${JSON.stringify(entry.name)} runs past the end of the archive`);
  }
  return offset;
}

function checkReadable(entry: ZipEntry): void {
  if (entry.isEncrypted) throw new ZipError('unsupported', `${JSON.stringify(entry.name)} is encrypted`);
  if (entry.method !== STORED && entry.method !== DEFLATED) {
    throw new ZipError('unsupported', `${JSON.stringify(entry.name)} uses compression method ${entry.method} (only stored and deflated are read)`);
  }
  if (entry.method === STORED && entry.compressedSize !== entry.uncompressedSize) {
    throw new ZipError('corrupt', `stored entry ${JSON.stringify(entry.name)} has different sizes (${entry.compressedSize} and ${entry.uncompressedSize})`);
  }
}

/**
 * The content of an entry, at most `maxSize` bytes, checked against its size and CRC-32.
 * A deflated entry is inflated under the bound of its declared size, so one that inflates past
 * what it declares (a zip bomb's trick) fails without using more memory than declared.
 * @throws {@link ZipError} `too-large` when the declared size exceeds `maxSize`; `corrupt` or
 *   `unsupported` otherwise
 */
export function readZipEntry(source: ByteSource, entry: ZipEntry, maxSize: number): Buffer {
  checkReadable(entry);
  if (entry.uncompressedSize > maxSize) {
    throw new ZipError('too-large', `${JSON.stringify(entry.name)} declares ${entry.uncompressedSize} bytes, over the limit of ${maxSize}`, {
      details: { size: entry.uncompressedSize, limit: maxSize },
    });
  }
  // deflate never needs much more than its output (stored blocks add 5 bytes per 64 KiB);
  // a far larger compressed size is not worth reading into memory
  if (entry.method === DEFLATED && entry.compressedSize > entry.uncompressedSize + Math.ceil(entry.uncompressedSize / 8) + 1024) {
    throw new ZipError('corrupt', `${JSON.stringify(entry.name)} declares ${entry.compressedSize} compressed bytes for ${entry.uncompressedSize}`);
  }
  const offset = dataOffset(source, entry);
  const raw = source.read(offset, entry.compressedSize);
  if (raw.length !== entry.compressedSize) throw new ZipError('corrupt', `the data of ${JSON.stringify(entry.name)} is cut short`);
  let content: Buffer;
  if (entry.method === STORED) content = raw;
  else {
    try {
      content = inflateRawBounded(raw, entry.uncompressedSize);
    } catch (error) {
      if (error instanceof InflateError && error.failure === 'too-large') {
        throw new ZipError('corrupt', `${JSON.stringify(entry.name)} inflates past its declared ${entry.uncompressedSize} bytes`, { cause: error });
      }
      throw new ZipError('corrupt', `${JSON.stringify(entry.name)}: ${(error as Error).message}`, { cause: error });
    }
  }
  if (content.length !== entry.uncompressedSize) {
    throw new ZipError('corrupt', `${JSON.stringify(entry.name)} holds ${content.length} bytes, not the declared ${entry.uncompressedSize}`);
  }
  if (crc32(content) !== entry.crc32) throw new ZipError('corrupt', `${JSON.stringify(entry.name)} fails its CRC-32 check`);
  return content;
}

/**
 * An entry as a {@link ByteSource} of its own, for an archive inside an archive. A stored entry
 * is a view of the enclosing source (nothing is read or held; its CRC is not checked); a
 * deflated one is inflated into memory, at most `maxInMemory` bytes.
 * @throws {@link ZipError} as {@link readZipEntry}
 */
export function zipEntrySource(source: ByteSource, entry: ZipEntry, maxInMemory: number): ByteSource {
  checkReadable(entry);
  if (entry.method === STORED) return sliceSource(source, dataOffset(source, entry), entry.uncompressedSize);
  return bufferSource(readZipEntry(source, entry, maxInMemory));
}

/**
 * False for a name that would climb out of a directory it was extracted to (`../`, an absolute
 * path, a drive letter, a backslash separator) or that holds a NUL: such an entry comes from a
 * broken or hostile writer, and a caller should not trust it.
 */
export function isSafeEntryName(name: string): boolean {
  if (name === '' || name.includes('\0') || name.includes('\\')) return false;
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return false;
  return !name.split('/').includes('..');
}
