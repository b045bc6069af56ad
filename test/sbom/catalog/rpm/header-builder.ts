/**
 * Writes rpm header blobs for tests, entry by entry, so that each kind of damage can be put in
 * one place of an otherwise valid header. Real headers come from the fixtures; this is for the
 * broken ones no rpm would write.
 */

/** One index entry; `data` is placed in the data store unless `offset` forces a position. */
export interface EntrySpec {
  tag: number;
  type: number;
  count?: number;
  data: Buffer;
  /** Override the offset written into the index (for damaged headers). */
  offset?: number;
  /** Bytes of padding before the data (to misalign it). */
  pad?: number;
}

export const STRING = 6;
export const STRING_ARRAY = 8;
export const I18NSTRING = 9;
export const INT32 = 4;
export const INT64 = 5;
export const INT16 = 3;
export const BIN = 7;

export function str(value: string): Buffer {
  return Buffer.from(`${value}\0`, 'utf8');
}

export function strs(...values: string[]): Buffer {
  return Buffer.concat(values.map(str));
}

export function int32s(...values: number[]): Buffer {
  const out = Buffer.alloc(values.length * 4);
  values.forEach((value, i) => out.writeUInt32BE(value, i * 4));
  return out;
}

/** A header blob: preamble, index, data store (entries' data appended in order, ints aligned). */
export function buildHeader(entries: readonly EntrySpec[], options: { il?: number; dl?: number; truncate?: number } = {}): Buffer {
  const index = Buffer.alloc(entries.length * 16);
  const parts: Buffer[] = [];
  let size = 0;
  entries.forEach((entry, i) => {
    const align = entry.type === INT32 ? 4 : entry.type === INT64 ? 8 : entry.type === INT16 ? 2 : 1;
    const padding = (align - (size % align)) % align + (entry.pad ?? 0);
    if (padding > 0) {
      parts.push(Buffer.alloc(padding));
      size += padding;
    }
    index.writeUInt32BE(entry.tag, i * 16);
    index.writeUInt32BE(entry.type, i * 16 + 4);
    index.writeUInt32BE(entry.offset ?? size, i * 16 + 8);
    index.writeUInt32BE(entry.count ?? defaultCount(entry), i * 16 + 12);
    parts.push(entry.data);
    size += entry.data.length;
  });
  const data = Buffer.concat(parts);
  const preamble = Buffer.alloc(8);
  preamble.writeUInt32BE(options.il ?? entries.length, 0);
  preamble.writeUInt32BE(options.dl ?? data.length, 4);
  const blob = Buffer.concat([preamble, index, data]);
  return options.truncate === undefined ? blob : blob.subarray(0, options.truncate);
}

function defaultCount(entry: EntrySpec): number {
  if (entry.type === STRING) return 1;
  if (entry.type === STRING_ARRAY || entry.type === I18NSTRING) return entry.data.toString('latin1').split('\0').length - 1;
  if (entry.type === INT32) return entry.data.length / 4;
  if (entry.type === INT64) return entry.data.length / 8;
  if (entry.type === INT16) return entry.data.length / 2;
  return entry.data.length;
}

/** NAME, VERSION, RELEASE of a minimal valid header. */
export function nvr(name = 'demo', version = '1.0', release = '1'): EntrySpec[] {
  return [
    { tag: 1000, type: STRING, data: str(name) },
    { tag: 1001, type: STRING, data: str(version) },
    { tag: 1002, type: STRING, data: str(release) },
  ];
}
