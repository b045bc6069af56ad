/**
 * Mach-O (Apple's `<mach-o/loader.h>` and `<mach-o/fat.h>`): thin 32- and 64-bit files in either
 * byte order, and universal ("fat") files holding one thin file per architecture. Segments
 * (`LC_SEGMENT`, `LC_SEGMENT_64`) map addresses to file offsets; their sections are named
 * `segment,section` (`__DATA,__go_buildinfo`).
 * @module
 */
import type { ByteSource } from '../byte-source.js';
import { checkTableSize, Fields, readHeader } from './bytes.js';
import { ExecutableError } from './errors.js';
import { sliceContent, type Executable, type ExecutableSection, type ExecutableSegment } from './executable.js';

/** Thin Mach-O magics as they appear in the file: `feedface`, `feedfacf` (big-endian), `cefaedfe`, `cffaedfe` (little-endian). */
export const MACHO_MAGICS: readonly Buffer[] = ['feedface', 'feedfacf', 'cefaedfe', 'cffaedfe'].map((hex) => Buffer.from(hex, 'hex'));

/** Universal-binary magics: `cafebabe` (32-bit slice table) and `cafebabf` (64-bit). */
const FAT_MAGIC = 0xcafebabe;
const FAT_MAGIC_64 = 0xcafebabf;

/**
 * Java class files also start with `cafebabe`, followed by their minor and major version; as
 * one big-endian word that is at least 45 (Java 1.1). A universal binary's next word is its
 * architecture count, which stays far below that (the `file` utility draws the line at 20).
 */
export const MAX_FAT_ARCHITECTURES = 19;

/**
 * The leading bytes of universal binaries with 1 to {@link MAX_FAT_ARCHITECTURES} slices: the
 * magic and the count together, so that Java class files are never selected.
 */
export const FAT_MAGICS: readonly Buffer[] = [FAT_MAGIC, FAT_MAGIC_64].flatMap((magic) =>
  Array.from({ length: MAX_FAT_ARCHITECTURES }, (_, i) => {
    const bytes = Buffer.alloc(8);
    bytes.writeUInt32BE(magic, 0);
    bytes.writeUInt32BE(i + 1, 4);
    return bytes;
  }),
);

const LC_SEGMENT = 0x1;
const LC_SEGMENT_64 = 0x19;
const SECTION_TYPE_MASK = 0xff;
/** S_ZEROFILL, S_GB_ZEROFILL, S_THREAD_LOCAL_ZEROFILL: sections with no bytes in the file. */
const ZEROFILL_TYPES = new Set([0x1, 0xc, 0x12]);
const MAX_LOAD_COMMAND_BYTES = 16 * 1024 * 1024;

const CPU_ARCH_ABI64 = 0x01000000;
/** Mach-O cputype values, named as Go's GOARCH names them. */
const MACHINES: Record<number, string> = {
  7: '386',
  [7 | CPU_ARCH_ABI64]: 'amd64',
  12: 'arm',
  [12 | CPU_ARCH_ABI64]: 'arm64',
  18: 'ppc',
  [18 | CPU_ARCH_ABI64]: 'ppc64',
};

/** True when `head` (at least 8 bytes) starts a universal binary rather than a Java class file. */
export function isFatMachO(head: Buffer): boolean {
  if (head.length < 8) return false;
  const magic = head.readUInt32BE(0);
  const count = head.readUInt32BE(4);
  return (magic === FAT_MAGIC || magic === FAT_MAGIC_64) && count >= 1 && count <= MAX_FAT_ARCHITECTURES;
}

/** True when `head` starts a thin Mach-O file. */
export function isThinMachO(head: Buffer): boolean {
  return MACHO_MAGICS.some((magic) => head.length >= 4 && head.subarray(0, 4).equals(magic));
}

/** The thin files of a universal binary (see {@link isFatMachO}), each read as a Mach-O file of its own. */
export function readFatMachO(content: ByteSource): Executable[] {
  const head = new Fields(readHeader(content, 0, 8, 'universal binary header'), false);
  const is64 = head.u32(0) === FAT_MAGIC_64;
  const count = head.u32(4);
  if (count < 1 || count > MAX_FAT_ARCHITECTURES) throw new ExecutableError('METADATA_UNPARSABLE', `universal binary claims ${count} architectures`);
  const entrySize = is64 ? 32 : 20;
  const table = readHeader(content, 8, count * entrySize, 'universal binary architecture table');
  const executables: Executable[] = [];
  for (let i = 0; i < count; i++) {
    const entry = new Fields(table.subarray(i * entrySize, (i + 1) * entrySize), false);
    const offset = is64 ? entry.u64(8) : entry.u32(8);
    const size = is64 ? entry.u64(16) : entry.u32(12);
    if (offset + size > content.size || size < 28) {
      throw new ExecutableError('METADATA_UNPARSABLE', `universal binary slice ${i} (${size} bytes at offset ${offset}) does not fit in the file of ${content.size} bytes`);
    }
    const slice = sliceContent(content, offset, size);
    if (!isThinMachO(readHeader(slice, 0, 4, `universal binary slice ${i}`))) {
      throw new ExecutableError('METADATA_UNPARSABLE', `universal binary slice ${i} is not a Mach-O file`);
    }
    executables.push(readMachO(slice));
  }
  return executables;
}

/** Parses the headers of a thin Mach-O file (see {@link isThinMachO}). */
export function readMachO(content: ByteSource): Executable {
  const magic = readHeader(content, 0, 4, 'Mach-O magic');
  // the magic reads feedfac? in the file's own byte order: its first byte tells which
  const littleEndian = magic[0] !== 0xfe;
  const is64 = (littleEndian ? magic[0] : magic[3]) === 0xcf;
  const header = new Fields(readHeader(content, 0, is64 ? 32 : 28, 'Mach-O header'), littleEndian);
  const cpuType = header.u32(4);
  const ncmds = header.u32(16);
  const sizeofcmds = header.u32(20);
  if (sizeofcmds > MAX_LOAD_COMMAND_BYTES) throw new ExecutableError('METADATA_UNPARSABLE', `Mach-O load commands claim ${sizeofcmds} bytes`);
  checkTableSize(ncmds, 8, sizeofcmds, 'Mach-O load command list');
  const commands = new Fields(readHeader(content, is64 ? 32 : 28, sizeofcmds, 'Mach-O load commands'), littleEndian);

  const segments: ExecutableSegment[] = [];
  const sections: ExecutableSection[] = [];
  let at = 0;
  for (let i = 0; i < ncmds; i++) {
    if (at + 8 > sizeofcmds) throw new ExecutableError('METADATA_UNPARSABLE', `Mach-O load command ${i} starts past the end of the load commands`);
    const cmd = commands.u32(at);
    const cmdsize = commands.u32(at + 4);
    if (cmdsize < 8 || at + cmdsize > sizeofcmds) throw new ExecutableError('METADATA_UNPARSABLE', `Mach-O load command ${i} has an impossible size ${cmdsize}`);
    if (cmd === LC_SEGMENT || cmd === LC_SEGMENT_64) {
      const wide = cmd === LC_SEGMENT_64;
      const fixed = wide ? 72 : 56;
      const sectionSize = wide ? 80 : 68;
      const nsects = cmdsize >= fixed ? commands.u32(at + (wide ? 64 : 48)) : -1;
      if (nsects < 0 || fixed + nsects * sectionSize > cmdsize) {
        throw new ExecutableError('METADATA_UNPARSABLE', `Mach-O segment command ${i} is too small for its ${nsects} sections`);
      }
      const name = commands.name(at + 8, 16);
      const word: 4 | 8 = wide ? 8 : 4;
      segments.push({
        name,
        address: commands.word(at + 24, word),
        offset: commands.word(at + 24 + 2 * word, word),
        size: commands.word(at + 24 + 3 * word, word),
        maxFlags: commands.u32(at + 24 + 4 * word),
        flags: commands.u32(at + 28 + 4 * word),
      });
      for (let s = 0; s < nsects; s++) {
        const base = at + fixed + s * sectionSize;
        const flags = commands.u32(base + (wide ? 64 : 56));
        sections.push({
          name: commands.name(base, 16),
          segment: commands.name(base + 16, 16),
          address: commands.word(base + 32, word),
          offset: commands.u32(base + 32 + 2 * word),
          size: ZEROFILL_TYPES.has(flags & SECTION_TYPE_MASK) ? 0 : commands.word(base + 32 + word, word),
        });
      }
    }
    at += cmdsize;
  }
  const machine = MACHINES[cpuType] ?? `unknown-${cpuType}`;
  return { format: 'macho', machine, pointerSize: is64 ? 8 : 4, littleEndian, sections, segments, content };
}
