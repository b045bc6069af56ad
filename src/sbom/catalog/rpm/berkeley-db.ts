/**
 * rpm's Berkeley DB `Packages` file (rpm before 4.16, RHEL/CentOS 5 to 8, SLES before 15): a
 * Berkeley DB hash database mapping a 4-byte header number to a header blob. Read-only and
 * without the Berkeley DB library: the pages are walked in order and every key/data pair of the
 * hash pages is taken, following overflow chains for blobs larger than a page. Pages are read
 * one at a time through a {@link FileContent}, so the file need not be in memory.
 *
 * Layouts from Berkeley DB's `db_page.h` and `hash.h`: a metadata page (magic 0x061561, page
 * size, byte order of the writer), then pages with a 26-byte header (next page at 16, entry
 * count at 20, overflow length at 22, type at 25) and, on hash pages, a table of 2-byte item
 * offsets at 26 whose items start with a type byte.
 * @module
 */
import type { FileContent } from '../cataloger.js';
import { RpmDatabaseError, type HeaderBlob } from './records.js';

const HASH_MAGIC = 0x061561;
const PAGE_HEADER = 26;
const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASHMETA = 8;
const P_HASH = 13;
const H_KEYDATA = 1;
const H_OFFPAGE = 3;
const META_CHECKSUM = 0x01;

/** The hash database's geometry from its metadata page. */
interface Geometry {
  pageSize: number;
  pages: number;
  littleEndian: boolean;
}

/** Every header blob of a Berkeley DB `Packages` file, by header number. */
export function readBerkeleyDb(file: FileContent): HeaderBlob[] {
  const geometry = readMeta(file);
  const blobs: HeaderBlob[] = [];
  for (let pageNumber = 1; pageNumber < geometry.pages; pageNumber++) {
    const page = readPage(file, geometry, pageNumber);
    const type = page[25];
    if (type !== P_HASH && type !== P_HASH_UNSORTED) continue;
    const items = itemOffsets(page, geometry, pageNumber);
    for (let i = 0; i + 1 < items.length; i += 2) {
      const key = itemBytes(page, items, i);
      const value = itemBytes(page, items, i + 1);
      if (key[0] !== H_KEYDATA || key.length !== 5) continue;
      const headerNumber = geometry.littleEndian ? key.readUInt32LE(1) : key.readUInt32BE(1);
      // header number 0 holds rpm's counter of the next free number, not a header
      if (headerNumber === 0) continue;
      if (value[0] === H_KEYDATA) blobs.push({ key: headerNumber, blob: Buffer.from(value.subarray(1)) });
      else if (value[0] === H_OFFPAGE && value.length >= 12) {
        const first = geometry.littleEndian ? value.readUInt32LE(4) : value.readUInt32BE(4);
        const length = geometry.littleEndian ? value.readUInt32LE(8) : value.readUInt32BE(8);
        blobs.push({ key: headerNumber, blob: readOverflow(file, geometry, first, length) });
      }
    }
  }
  return blobs.sort((a, b) => a.key - b.key);
}

function readMeta(file: FileContent): Geometry {
  const meta = file.read(0, 512);
  if (meta.length < 72) throw new RpmDatabaseError(`Berkeley DB file of ${file.size} bytes is shorter than its metadata page`);
  let littleEndian: boolean;
  if (meta.readUInt32LE(12) === HASH_MAGIC) littleEndian = true;
  else if (meta.readUInt32BE(12) === HASH_MAGIC) littleEndian = false;
  else throw new RpmDatabaseError('not a Berkeley DB hash database (no hash magic number)');
  const u32 = (at: number) => (littleEndian ? meta.readUInt32LE(at) : meta.readUInt32BE(at));
  const version = u32(16);
  if (version < 8 || version > 10) throw new RpmDatabaseError(`Berkeley DB hash version ${version} is not supported (8 to 10 are)`);
  const pageSize = u32(20);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) throw new RpmDatabaseError(`Berkeley DB page size ${pageSize} is invalid`);
  if (meta[24] !== 0) throw new RpmDatabaseError('the Berkeley DB file is encrypted');
  if (meta[25] !== P_HASHMETA) throw new RpmDatabaseError(`the Berkeley DB metadata page has type ${meta[25]}, not hash metadata`);
  if (((meta[26] as number) & META_CHECKSUM) !== 0) throw new RpmDatabaseError('Berkeley DB files with page checksums are not supported');
  // a truncated file keeps its whole pages; the last partial one is not read
  const pages = Math.min(u32(32) + 1, Math.floor(file.size / pageSize));
  return { pageSize, pages, littleEndian };
}

function readPage(file: FileContent, geometry: Geometry, pageNumber: number): Buffer {
  const page = file.read(pageNumber * geometry.pageSize, geometry.pageSize);
  if (page.length !== geometry.pageSize) throw new RpmDatabaseError(`Berkeley DB page ${pageNumber} is truncated`);
  return page;
}

/** The item offsets of a hash page, each checked to lie inside the page after the offset table. */
function itemOffsets(page: Buffer, geometry: Geometry, pageNumber: number): number[] {
  const count = geometry.littleEndian ? page.readUInt16LE(20) : page.readUInt16BE(20);
  const tableEnd = PAGE_HEADER + 2 * count;
  if (tableEnd > page.length) throw new RpmDatabaseError(`Berkeley DB page ${pageNumber} declares ${count} items, more than fit`);
  const offsets: number[] = [];
  let previous = page.length;
  for (let i = 0; i < count; i++) {
    const offset = geometry.littleEndian ? page.readUInt16LE(PAGE_HEADER + 2 * i) : page.readUInt16BE(PAGE_HEADER + 2 * i);
    // items are packed from the end of the page towards the table, each below the one before
    if (offset < tableEnd || offset >= previous) throw new RpmDatabaseError(`Berkeley DB page ${pageNumber} has item ${i} at offset ${offset}, outside its space`);
    offsets.push(offset);
    previous = offset;
  }
  return offsets;
}

/** Item `i` of a hash page: from its offset to the start of the item before it (or the page end). */
function itemBytes(page: Buffer, offsets: readonly number[], i: number): Buffer {
  const start = offsets[i] as number;
  const end = i === 0 ? page.length : (offsets[i - 1] as number);
  return page.subarray(start, end);
}

/** A value stored on a chain of overflow pages; every page of the chain is visited at most once. */
function readOverflow(file: FileContent, geometry: Geometry, first: number, length: number): Buffer {
  if (length > file.size) throw new RpmDatabaseError(`an overflow item claims ${length} bytes, more than the ${file.size}-byte file`);
  const out = Buffer.alloc(length);
  let filled = 0;
  let pageNumber = first;
  for (let hops = 0; filled < length; hops++) {
    if (pageNumber === 0 || pageNumber >= geometry.pages || hops >= geometry.pages) {
      throw new RpmDatabaseError(`an overflow chain from page ${first} ends after ${filled} of ${length} bytes`);
    }
    const page = readPage(file, geometry, pageNumber);
    if (page[25] !== P_OVERFLOW) throw new RpmDatabaseError(`overflow chain page ${pageNumber} has type ${page[25]}`);
    const onPage = geometry.littleEndian ? page.readUInt16LE(22) : page.readUInt16BE(22);
    if (onPage > page.length - PAGE_HEADER || onPage > length - filled || onPage === 0) {
      throw new RpmDatabaseError(`overflow page ${pageNumber} declares ${onPage} bytes`);
    }
    page.copy(out, filled, PAGE_HEADER, PAGE_HEADER + onPage);
    filled += onPage;
    pageNumber = geometry.littleEndian ? page.readUInt32LE(16) : page.readUInt32BE(16);
  }
  return out;
}
