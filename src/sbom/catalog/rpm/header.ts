/**
 * The rpm header: the record each rpm database format stores per installed package, and the
 * only place the package's facts live. A header blob is a count of index entries (`il`) and the
 * size of a data store (`dl`), both big-endian 32-bit, then `il` 16-byte entries (tag, type,
 * offset, count) pointing into the data store. Every offset and count is checked against the
 * blob before it is read, so a damaged header fails with {@link RpmHeaderError}, never with a
 * read past the end or a loop over a forged count.
 * @module
 */

/** Header tags sealkit reads (rpm's `rpmtag.h`). */
export const RpmTag = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SUMMARY: 1004,
  SIZE: 1009,
  VENDOR: 1011,
  LICENSE: 1014,
  URL: 1020,
  ARCH: 1022,
  OLDFILENAMES: 1027,
  SOURCERPM: 1044,
  PROVIDENAME: 1047,
  REQUIRENAME: 1049,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
  LONGSIZE: 5009,
  MODULARITYLABEL: 5096,
} as const;

/** Data types of index entries. */
const RpmType = {
  NULL: 0,
  CHAR: 1,
  INT8: 2,
  INT16: 3,
  INT32: 4,
  INT64: 5,
  STRING: 6,
  BIN: 7,
  STRING_ARRAY: 8,
  I18NSTRING: 9,
} as const;

const ENTRY_SIZE = 16;
/** rpm's own ceilings (`hdrchkTags`, `hdrchkData` in header.c): 16 Mi entries, 256 MiB of data. */
const MAX_ENTRIES = 0x00ffffff;
const MAX_DATA = 0x0fffffff;

/** A header that cannot be read; the message says what is wrong with it. */
export class RpmHeaderError extends Error {
  override readonly name = 'RpmHeaderError';
}

interface IndexEntry {
  type: number;
  offset: number;
  count: number;
}

/** Typed access to the entries of one header blob. */
export class RpmHeader {
  private readonly entries = new Map<number, IndexEntry>();
  private readonly data: Buffer;

  /** Checks the blob's framing and index; values are checked when they are read. */
  constructor(blob: Buffer) {
    if (blob.length < 8) throw new RpmHeaderError(`header of ${blob.length} bytes is shorter than its 8-byte preamble`);
    const il = blob.readUInt32BE(0);
    const dl = blob.readUInt32BE(4);
    if (il === 0 || il > MAX_ENTRIES) throw new RpmHeaderError(`header declares ${il} index entries`);
    if (dl > MAX_DATA) throw new RpmHeaderError(`header declares a data store of ${dl} bytes`);
    const dataStart = 8 + il * ENTRY_SIZE;
    if (dataStart + dl > blob.length) {
      throw new RpmHeaderError(`header declares ${il} entries and ${dl} data bytes but holds only ${blob.length} bytes`);
    }
    this.data = blob.subarray(dataStart, dataStart + dl);
    for (let i = 0; i < il; i++) {
      const at = 8 + i * ENTRY_SIZE;
      const tag = blob.readUInt32BE(at);
      const entry = { type: blob.readUInt32BE(at + 4), offset: blob.readUInt32BE(at + 8), count: blob.readUInt32BE(at + 12) };
      if (entry.type > RpmType.I18NSTRING) throw new RpmHeaderError(`tag ${tag} has unknown type ${entry.type}`);
      if (entry.offset > dl) throw new RpmHeaderError(`tag ${tag} points at offset ${entry.offset} past the ${dl}-byte data store`);
      // the first entry of a tag wins, as in rpm's sorted index lookup of a well-formed header
      if (!this.entries.has(tag)) this.entries.set(tag, entry);
    }
  }

  /** Whether the header has the tag. */
  has(tag: number): boolean {
    return this.entries.has(tag);
  }

  /** A STRING (or the first string of a STRING_ARRAY / I18NSTRING) tag, or undefined when absent. */
  string(tag: number): string | undefined {
    const entry = this.entries.get(tag);
    if (entry === undefined) return undefined;
    if (entry.type !== RpmType.STRING && entry.type !== RpmType.STRING_ARRAY && entry.type !== RpmType.I18NSTRING) {
      throw new RpmHeaderError(`tag ${tag} is of type ${entry.type}, not a string`);
    }
    return this.readStrings(tag, entry, 1)[0];
  }

  /** A STRING_ARRAY tag (a STRING tag gives one element); empty when absent. */
  strings(tag: number): string[] {
    const entry = this.entries.get(tag);
    if (entry === undefined) return [];
    if (entry.type === RpmType.STRING) return this.readStrings(tag, entry, 1);
    if (entry.type !== RpmType.STRING_ARRAY && entry.type !== RpmType.I18NSTRING) throw new RpmHeaderError(`tag ${tag} is of type ${entry.type}, not a string array`);
    return this.readStrings(tag, entry, entry.count);
  }

  /** An integer tag (INT8 to INT64) as numbers; empty when absent. INT64 values above 2^53 are refused. */
  integers(tag: number): number[] {
    const entry = this.entries.get(tag);
    if (entry === undefined) return [];
    const width = INTEGER_WIDTH[entry.type];
    if (width === undefined) throw new RpmHeaderError(`tag ${tag} is of type ${entry.type}, not an integer`);
    if (entry.offset % width !== 0) throw new RpmHeaderError(`tag ${tag} is not aligned to ${width} bytes`);
    if (entry.count === 0 || entry.count > (this.data.length - entry.offset) / width) {
      throw new RpmHeaderError(`tag ${tag} holds ${entry.count} integers past the end of the data store`);
    }
    const values = new Array<number>(entry.count);
    for (let i = 0; i < entry.count; i++) {
      const at = entry.offset + i * width;
      if (width === 8) {
        const value = this.data.readBigUInt64BE(at);
        if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RpmHeaderError(`tag ${tag} holds an integer beyond 2^53`);
        values[i] = Number(value);
      } else {
        values[i] = width === 4 ? this.data.readUInt32BE(at) : width === 2 ? this.data.readUInt16BE(at) : (this.data[at] as number);
      }
    }
    return values;
  }

  /** The first value of an integer tag, or undefined when absent. */
  integer(tag: number): number | undefined {
    return this.entries.has(tag) ? this.integers(tag)[0] : undefined;
  }

  private readStrings(tag: number, entry: IndexEntry, count: number): string[] {
    // each string takes at least its NUL byte, so a count larger than the bytes left is forged
    if (entry.count === 0 || count > this.data.length - entry.offset) {
      throw new RpmHeaderError(`tag ${tag} holds ${entry.count} strings past the end of the data store`);
    }
    const out = new Array<string>(count);
    let at = entry.offset;
    for (let i = 0; i < count; i++) {
      const end = this.data.indexOf(0, at);
      if (end < 0) throw new RpmHeaderError(`string ${i} of tag ${tag} runs past the end of the data store`);
      out[i] = this.data.toString('utf8', at, end);
      at = end + 1;
    }
    return out;
  }
}

const INTEGER_WIDTH: Partial<Record<number, number>> = {
  [RpmType.CHAR]: 1,
  [RpmType.INT8]: 1,
  [RpmType.INT16]: 2,
  [RpmType.INT32]: 4,
  [RpmType.INT64]: 8,
};

/** What one installed rpm records about itself. */
export interface RpmPackageInfo {
  name: string;
  version: string;
  release: string;
  /** Absent when the package declares none (rpm prints `(none)`), which is not the same as 0. */
  epoch?: number;
  /** Absent for `gpg-pubkey` pseudo-packages. */
  arch?: string;
  /** File name of the source rpm, e.g. `openssl-3.1.1-4.fc39.src.rpm`. */
  sourceRpm?: string;
  license?: string;
  vendor?: string;
  /** Installed size in bytes. */
  size?: number;
  summary?: string;
  url?: string;
  modularityLabel?: string;
  /** Absolute paths of the files and directories the package owns. */
  files: string[];
  /** Capability names the package requires (files, sonames, package names, `rpmlib(...)`). */
  requires: string[];
  /** Capability names the package provides (its own name among them). */
  provides: string[];
}

/**
 * Reads the facts sealkit keeps from one header blob. Throws {@link RpmHeaderError} when the
 * blob is damaged or lacks a name, version or release.
 */
export function readRpmPackage(blob: Buffer): RpmPackageInfo {
  const header = new RpmHeader(blob);
  const name = header.string(RpmTag.NAME);
  const version = header.string(RpmTag.VERSION);
  const release = header.string(RpmTag.RELEASE);
  if (!name || !version || !release) {
    throw new RpmHeaderError(`header lacks a ${!name ? 'name' : !version ? 'version' : 'release'}${name ? ` (${name})` : ''}`);
  }
  const info: RpmPackageInfo = {
    name,
    version,
    release,
    files: fileList(header),
    requires: header.strings(RpmTag.REQUIRENAME),
    provides: header.strings(RpmTag.PROVIDENAME),
  };
  const epoch = header.integer(RpmTag.EPOCH);
  if (epoch !== undefined) info.epoch = epoch;
  const size = header.integer(RpmTag.LONGSIZE) ?? header.integer(RpmTag.SIZE);
  if (size !== undefined) info.size = size;
  const strings = { arch: RpmTag.ARCH, sourceRpm: RpmTag.SOURCERPM, license: RpmTag.LICENSE, vendor: RpmTag.VENDOR, summary: RpmTag.SUMMARY, url: RpmTag.URL, modularityLabel: RpmTag.MODULARITYLABEL } as const;
  for (const [key, tag] of Object.entries(strings) as Array<[keyof typeof strings, number]>) {
    const value = header.string(tag)?.trim();
    if (value !== undefined && value !== '' && value !== '(none)') info[key] = value;
  }
  return info;
}

/**
 * The owned paths: `DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]` (rpm 4's compressed file names), or
 * `OLDFILENAMES` in headers written before them.
 */
function fileList(header: RpmHeader): string[] {
  if (!header.has(RpmTag.BASENAMES)) return header.strings(RpmTag.OLDFILENAMES);
  const basenames = header.strings(RpmTag.BASENAMES);
  const dirnames = header.strings(RpmTag.DIRNAMES);
  const indexes = header.integers(RpmTag.DIRINDEXES);
  if (indexes.length !== basenames.length) {
    throw new RpmHeaderError(`file list has ${basenames.length} base names but ${indexes.length} directory indexes`);
  }
  return basenames.map((basename, i) => {
    const dirname = dirnames[indexes[i] as number];
    if (dirname === undefined) throw new RpmHeaderError(`file ${basename} points at directory ${indexes[i]} of ${dirnames.length}`);
    return dirname + basename;
  });
}
