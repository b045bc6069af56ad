/**
 * rpm's NDB database (`Packages.db`, SUSE since SLES 15 / openSUSE Leap 15), from rpm's
 * `lib/backend/ndb/rpmpkg.c`. All numbers are little-endian 32-bit. The file starts with a
 * 32-byte header (magic `RpmP`, version 0, generation, number of slot pages); the rest of the
 * slot pages (4 KiB each) holds 16-byte slots (magic `Slot`, package index, offset and length
 * in 16-byte blocks), a package index of 0 marking a free slot. Each used slot points at a blob:
 * a 16-byte head (magic `BlbS`, package index, generation, length), the header, and a 12-byte
 * tail (checksum, length, magic `BlbE`) closing the slot's blocks.
 * @module
 */
import type { FileContent } from '../cataloger.js';
import { RpmDatabaseError, type HeaderBlob } from './records.js';

const PAGE_SIZE = 4096;
const SLOT_SIZE = 16;
const BLOCK_SIZE = 16;
const BLOB_HEAD = 16;
const BLOB_TAIL = 12;
/** Slot pages beyond this (half a million packages) are taken as a forged header. */
const MAX_SLOT_PAGES = 2048;
const magic = (text: string) => Buffer.from(text, 'latin1').readUInt32LE(0);
const HEADER_MAGIC = magic('RpmP');
const SLOT_MAGIC = magic('Slot');
const BLOB_MAGIC = magic('BlbS');
const TAIL_MAGIC = magic('BlbE');

/** Every header blob of an NDB `Packages.db`, by package index. */
export function readNdb(file: FileContent): HeaderBlob[] {
  const header = file.read(0, 32);
  if (header.length < 32 || header.readUInt32LE(0) !== HEADER_MAGIC) throw new RpmDatabaseError('not an rpm NDB database (no RpmP magic number)');
  const version = header.readUInt32LE(4);
  if (version !== 0) throw new RpmDatabaseError(`NDB version ${version} is not supported`);
  const slotPages = header.readUInt32LE(12);
  if (slotPages === 0 || slotPages > MAX_SLOT_PAGES || slotPages * PAGE_SIZE > file.size) {
    throw new RpmDatabaseError(`NDB header declares ${slotPages} slot pages in a ${file.size}-byte file`);
  }
  const slots = file.read(0, slotPages * PAGE_SIZE);
  const blobs: HeaderBlob[] = [];
  // the header takes the place of the first two slots
  for (let at = 2 * SLOT_SIZE; at < slots.length; at += SLOT_SIZE) {
    if (slots.readUInt32LE(at) !== SLOT_MAGIC) throw new RpmDatabaseError(`NDB slot ${at / SLOT_SIZE} has no Slot magic number`);
    const packageIndex = slots.readUInt32LE(at + 4);
    if (packageIndex === 0) continue;
    blobs.push({ key: packageIndex, blob: readBlob(file, packageIndex, slots.readUInt32LE(at + 8), slots.readUInt32LE(at + 12)) });
  }
  return blobs.sort((a, b) => a.key - b.key);
}

function readBlob(file: FileContent, packageIndex: number, blockOffset: number, blockCount: number): Buffer {
  const start = blockOffset * BLOCK_SIZE;
  const span = blockCount * BLOCK_SIZE;
  const where = `NDB package ${packageIndex}`;
  if (blockOffset === 0 || span < BLOB_HEAD + BLOB_TAIL || start + span > file.size) {
    throw new RpmDatabaseError(`${where} points at ${span} bytes from ${start}, outside the ${file.size}-byte file`);
  }
  const head = file.read(start, BLOB_HEAD);
  if (head.readUInt32LE(0) !== BLOB_MAGIC) throw new RpmDatabaseError(`${where} has no BlbS magic number`);
  if (head.readUInt32LE(4) !== packageIndex) throw new RpmDatabaseError(`${where} points at the blob of package ${head.readUInt32LE(4)}`);
  const length = head.readUInt32LE(12);
  if (length > span - BLOB_HEAD - BLOB_TAIL) throw new RpmDatabaseError(`${where} declares ${length} bytes in ${span} bytes of blocks`);
  const tail = file.read(start + span - BLOB_TAIL, BLOB_TAIL);
  if (tail.readUInt32LE(8) !== TAIL_MAGIC || tail.readUInt32LE(4) !== length) throw new RpmDatabaseError(`${where} has a damaged blob tail`);
  return Buffer.from(file.read(start + BLOB_HEAD, length));
}
