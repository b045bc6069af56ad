/**
 * PE/COFF (Microsoft's "PE Format" specification): PE32 and PE32+ images. Reads the COFF file
 * header, the image base from the optional header and the section table; names longer than
 * eight bytes (`/4`) are looked up in the COFF string table, one name at a time.
 * @module
 */
import type { ByteSource } from '../byte-source.js';
import { checkTableSize, Fields, readHeader } from './bytes.js';
import { ExecutableError } from './errors.js';
import type { Executable, ExecutableSection, ExecutableSegment } from './executable.js';

/** `MZ`: the MS-DOS stub every PE image starts with; the `PE\0\0` signature is checked after. */
export const PE_MAGIC = Buffer.from('MZ', 'latin1');

const PE_SIGNATURE = Buffer.from('PE\0\0', 'latin1');
const PE32 = 0x10b;
const PE32_PLUS = 0x20b;
const SECTION_HEADER_SIZE = 40;
const SYMBOL_SIZE = 18;
/** The format caps the section count at 96 for images; leave room, but not for 65,535. */
const MAX_SECTIONS = 4096;
const MAX_LONG_NAME = 256;

/** COFF Machine values, named as Go's GOARCH names them. */
const MACHINES: Record<number, string> = {
  0x14c: '386',
  0x8664: 'amd64',
  0x1c0: 'arm',
  0x1c4: 'arm',
  0xaa64: 'arm64',
  0x5064: 'riscv64',
  0x6264: 'loong64',
};

/**
 * True when `content` (starting with {@link PE_MAGIC}) carries a PE signature where its DOS
 * header says; plain MS-DOS programs and other files starting with `MZ` do not.
 */
export function isPe(content: ByteSource): boolean {
  if (content.size < 0x40) return false;
  const peOffset = content.read(0x3c, 4).readUInt32LE(0);
  return peOffset + 4 <= content.size && content.read(peOffset, 4).equals(PE_SIGNATURE);
}

/** Parses the headers of a PE image (see {@link isPe}). */
export function readPe(content: ByteSource): Executable {
  const peOffset = readHeader(content, 0x3c, 4, 'DOS header').readUInt32LE(0);
  const coff = new Fields(readHeader(content, peOffset, 24, 'PE file header'), true);
  if (!coff.bytes.subarray(0, 4).equals(PE_SIGNATURE)) throw new ExecutableError('METADATA_UNPARSABLE', 'no PE signature where the DOS header points');
  const machineCode = coff.u16(4);
  const sectionCount = coff.u16(6);
  const symbolTable = coff.u32(12);
  const symbolCount = coff.u32(16);
  const optionalSize = coff.u16(20);
  const optionalAt = peOffset + 24;

  let imageBase = 0;
  let pointerSize: 4 | 8 = 4;
  if (optionalSize >= 2) {
    const optional = new Fields(readHeader(content, optionalAt, Math.min(optionalSize, 32), 'PE optional header'), true);
    const magic = optional.u16(0);
    if (magic === PE32_PLUS && optional.bytes.length >= 32) {
      imageBase = optional.u64(24);
      pointerSize = 8;
    } else if (magic === PE32 && optional.bytes.length >= 32) {
      imageBase = optional.u32(28);
    } else {
      throw new ExecutableError('METADATA_UNPARSABLE', `unknown PE optional header magic 0x${magic.toString(16)}`);
    }
  }

  if (sectionCount > MAX_SECTIONS) throw new ExecutableError('METADATA_UNPARSABLE', `PE file claims ${sectionCount} sections`);
  const tableSize = checkTableSize(sectionCount, SECTION_HEADER_SIZE, MAX_SECTIONS * SECTION_HEADER_SIZE, 'PE section table');
  const table = readHeader(content, optionalAt + optionalSize, tableSize, 'PE section table');
  const stringTable = symbolTable === 0 ? undefined : symbolTable + symbolCount * SYMBOL_SIZE;
  const sections: ExecutableSection[] = [];
  const segments: ExecutableSegment[] = [];
  for (let i = 0; i < sectionCount; i++) {
    const entry = new Fields(table.subarray(i * SECTION_HEADER_SIZE, (i + 1) * SECTION_HEADER_SIZE), true);
    const shortName = entry.name(0, 8);
    const name = shortName.startsWith('/') ? longName(content, stringTable, shortName) : shortName;
    const virtualSize = entry.u32(8);
    const address = imageBase + entry.u32(12);
    const rawSize = entry.u32(16);
    const offset = entry.u32(20);
    const flags = entry.u32(36);
    // an image maps section by section: each is its own loadable range (all of its file bytes,
    // as Go's reader maps them); the section's content ends at VirtualSize, the raw size being
    // rounded up to the file alignment (zero in object files, where the raw size is exact)
    segments.push({ name, address, offset, size: rawSize, flags });
    sections.push({ name, address, offset, size: virtualSize === 0 ? rawSize : Math.min(virtualSize, rawSize) });
  }
  const machine = MACHINES[machineCode] ?? `unknown-${machineCode}`;
  return { format: 'pe', machine, pointerSize, littleEndian: true, sections, segments, content };
}

/** `/123`: the name is at offset 123 of the COFF string table, which follows the symbol table. */
function longName(content: ByteSource, stringTable: number | undefined, reference: string): string {
  const at = Number(reference.slice(1));
  if (stringTable === undefined || !Number.isSafeInteger(at) || at < 4) return reference;
  const bytes = content.read(stringTable + at, MAX_LONG_NAME);
  const end = bytes.indexOf(0);
  return end < 0 ? reference : bytes.subarray(0, end).toString('utf8');
}
