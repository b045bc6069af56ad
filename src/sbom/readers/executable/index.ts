/**
 * Executable readers shared by the catalogers that look inside binaries (Go build info, Rust
 * `cargo auditable` data): ELF, Mach-O (thin and universal) and PE. Each reads only headers and
 * tables; section contents and mapped addresses are read on demand, with bounds.
 * @module
 */
import type { ByteSource } from '../byte-source.js';
import { ELF_MAGIC, readElf } from './elf.js';
import type { Executable } from './executable.js';
import { FAT_MAGICS, isFatMachO, isThinMachO, MACHO_MAGICS, readFatMachO, readMachO } from './macho.js';
import { isPe, PE_MAGIC, readPe } from './pe.js';

export { ExecutableError } from './errors.js';
export {
  findSection,
  readAtAddress,
  readSection,
  segmentAt,
  sliceContent,
  type Executable,
  type ExecutableFormat,
  type ExecutableSection,
  type ExecutableSegment,
} from './executable.js';

/**
 * Leading bytes of every executable the readers understand, for a cataloger's `magic`: ELF,
 * thin Mach-O, universal Mach-O with a plausible architecture count (never a Java class file),
 * and `MZ` (PE images are told from other `MZ` files by {@link readExecutables}).
 */
export const EXECUTABLE_MAGIC: readonly Buffer[] = [ELF_MAGIC, ...MACHO_MAGICS, ...FAT_MAGICS, PE_MAGIC];

/**
 * The largest executable worth opening: the biggest real binaries (statically linked Go and
 * Rust programs with debug information) stay well below it, and only headers and a few
 * sections are ever read, so the bound is about plausibility, not memory.
 */
export const MAX_EXECUTABLE_SIZE = 2 * 1024 * 1024 * 1024;

/**
 * The executable images in `content`: one for an ELF, PE or thin Mach-O file, one per
 * architecture for a universal binary, none for anything else (a Java class file, a DOS
 * program, a text file starting with `MZ`).
 * @throws {@link ExecutableError} when the file is recognised but its headers are malformed
 */
export function readExecutables(content: ByteSource): Executable[] {
  const head = content.read(0, 8);
  if (head.length >= 4 && head.subarray(0, 4).equals(ELF_MAGIC)) return [readElf(content)];
  if (isThinMachO(head)) return [readMachO(content)];
  if (isFatMachO(head)) return readFatMachO(content);
  if (head.length >= 2 && head.subarray(0, 2).equals(PE_MAGIC) && isPe(content)) return [readPe(content)];
  return [];
}
