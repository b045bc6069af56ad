/**
 * ELF (System V ABI, "gABI"): 32- and 64-bit, either byte order. Reads the file header, the
 * program headers (`PT_LOAD` maps addresses to file offsets) and the section headers with their
 * names; section contents are left for the caller to read.
 * @module
 */
import type { ByteSource } from '../byte-source.js';
import { checkTableSize, Fields, readHeader } from './bytes.js';
import { ExecutableError } from './errors.js';
import type { Executable, ExecutableSection, ExecutableSegment } from './executable.js';

/** `\x7fELF` */
export const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

const PT_LOAD = 1;
const SHT_NOBITS = 8;
/** e_phnum value meaning "the real count is in section 0's sh_info". */
const PN_XNUM = 0xffff;
/** e_shstrndx value meaning "the real index is in section 0's sh_link". */
const SHN_XINDEX = 0xffff;
/** Far more than any linker writes; a larger table is a corrupt or hostile header. */
const MAX_TABLE_BYTES = 4 * 1024 * 1024;
const MAX_NAME_TABLE_BYTES = 4 * 1024 * 1024;

/** ELF e_machine values, named as Go's GOARCH names them. */
const MACHINES: Record<number, string> = {
  3: '386',
  8: 'mips',
  20: 'ppc',
  21: 'ppc64',
  22: 's390x',
  40: 'arm',
  62: 'amd64',
  183: 'arm64',
  243: 'riscv64',
  258: 'loong64',
};

/** Parses the headers of an ELF file whose first bytes are {@link ELF_MAGIC}. */
export function readElf(content: ByteSource): Executable {
  const ident = readHeader(content, 0, 16, 'ELF identification');
  const elfClass = ident[4];
  const encoding = ident[5];
  if (elfClass !== 1 && elfClass !== 2) throw new ExecutableError('METADATA_UNPARSABLE', `unknown ELF class ${String(elfClass)}`);
  if (encoding !== 1 && encoding !== 2) throw new ExecutableError('METADATA_UNPARSABLE', `unknown ELF data encoding ${String(encoding)}`);
  const is64 = elfClass === 2;
  const littleEndian = encoding === 1;
  const word: 4 | 8 = is64 ? 8 : 4;
  const header = new Fields(readHeader(content, 0, is64 ? 64 : 52, 'ELF header'), littleEndian);
  const machineCode = header.u16(18);
  const phoff = header.word(is64 ? 32 : 28, word);
  const shoff = header.word(is64 ? 40 : 32, word);
  const at = is64 ? 54 : 42;
  const phentsize = header.u16(at);
  let phnum = header.u16(at + 2);
  const shentsize = header.u16(at + 4);
  let shnum = header.u16(at + 6);
  let shstrndx = header.u16(at + 8);

  const sectionEntry = is64 ? 64 : 40;
  const programEntry = is64 ? 56 : 32;
  let first: Fields | undefined;
  if (shoff !== 0 && (shnum === 0 || phnum === PN_XNUM || shstrndx === SHN_XINDEX)) {
    // extended numbering: counts too large for the header live in the first section header
    checkEntrySize(shentsize, sectionEntry, 'section header');
    first = new Fields(readHeader(content, shoff, sectionEntry, 'ELF section header 0'), littleEndian);
    if (shnum === 0) shnum = is64 ? first.u64(32) : first.u32(20);
    if (phnum === PN_XNUM) phnum = first.u32(is64 ? 44 : 28);
    if (shstrndx === SHN_XINDEX) shstrndx = first.u32(is64 ? 40 : 24);
  }

  const segments: ExecutableSegment[] = [];
  if (phoff !== 0 && phnum > 0) {
    checkEntrySize(phentsize, programEntry, 'program header');
    // one reader for the whole table, entries by offset: no object per entry
    const table = new Fields(readHeader(content, phoff, checkTableSize(phnum, phentsize, MAX_TABLE_BYTES, 'ELF program header table'), 'ELF program header table'), littleEndian);
    for (let at = 0; at < phnum * phentsize; at += phentsize) {
      if (table.u32(at) !== PT_LOAD) continue;
      segments.push(
        is64
          ? { address: table.u64(at + 16), offset: table.u64(at + 8), size: table.u64(at + 32), flags: table.u32(at + 4) }
          : { address: table.u32(at + 8), offset: table.u32(at + 4), size: table.u32(at + 16), flags: table.u32(at + 24) },
      );
    }
  }

  const sections: ExecutableSection[] = [];
  if (shoff !== 0 && shnum > 0) {
    checkEntrySize(shentsize, sectionEntry, 'section header');
    const table = new Fields(readHeader(content, shoff, checkTableSize(shnum, shentsize, MAX_TABLE_BYTES, 'ELF section header table'), 'ELF section header table'), littleEndian);
    // every executable of an image is read (twice: Go and Rust), so entries are read in place
    const offsetOf = (at: number) => (is64 ? table.u64(at + 24) : table.u32(at + 16));
    const sizeOf = (at: number) => (is64 ? table.u64(at + 32) : table.u32(at + 20));
    if (shstrndx >= shnum) throw new ExecutableError('METADATA_UNPARSABLE', `ELF section name table index ${shstrndx} is out of range (${shnum} sections)`);
    const namesAt = shstrndx * shentsize;
    const namesSize = sizeOf(namesAt);
    if (namesSize > MAX_NAME_TABLE_BYTES) throw new ExecutableError('METADATA_UNPARSABLE', `ELF section name table claims ${namesSize} bytes`);
    const nameTable = readHeader(content, offsetOf(namesAt), namesSize, 'ELF section name table');
    for (let at = shentsize; at < shnum * shentsize; at += shentsize) {
      sections.push({
        name: cString(nameTable, table.u32(at)),
        address: is64 ? table.u64(at + 16) : table.u32(at + 12),
        offset: offsetOf(at),
        size: table.u32(at + 4) === SHT_NOBITS ? 0 : sizeOf(at),
      });
    }
  }

  return { format: 'elf', machine: machineName(machineCode, is64, littleEndian), pointerSize: word, littleEndian, sections, segments, content };
}

function machineName(code: number, is64: boolean, littleEndian: boolean): string {
  const base = MACHINES[code];
  if (base === undefined) return `unknown-${code}`;
  // one e_machine value covers both byte orders (and, for MIPS, both word sizes)
  if (base === 'mips') return `${is64 ? 'mips64' : 'mips'}${littleEndian ? 'le' : ''}`;
  if (base === 'ppc64' && littleEndian) return 'ppc64le';
  return base;
}

function checkEntrySize(declared: number, needed: number, what: string): void {
  if (declared < needed) throw new ExecutableError('METADATA_UNPARSABLE', `ELF ${what} entries of ${declared} bytes are smaller than the ${needed} the format needs`);
}

function cString(table: Buffer, at: number): string {
  if (at >= table.length) return '';
  const end = table.indexOf(0, at);
  // straight from the table: a view per name would be garbage for every section of every executable
  return table.toString('latin1', at, end < 0 ? table.length : end);
}
