/**
 * What every executable reader produces: the sections by name, the loadable ranges that map
 * virtual addresses to file offsets, and bounded reads of both. Nothing here reads more of a
 * file than the caller asked for.
 * @module
 */
import type { ByteSource } from '../byte-source.js';
import { ExecutableError } from './errors.js';

/** The container formats sealkit reads. */
export type ExecutableFormat = 'elf' | 'macho' | 'pe';

/** A named section, as the section table (ELF, PE) or a segment's section list (Mach-O) gives it. */
export interface ExecutableSection {
  /** `.go.buildinfo`, `.dep-v0`, `__go_buildinfo`… PE long names are resolved through the string table. */
  readonly name: string;
  /** The Mach-O segment holding the section (`__DATA`); undefined for ELF and PE. */
  readonly segment?: string;
  /** Virtual address where the section is loaded (for PE, image base included). */
  readonly address: number;
  /** File offset of its bytes, relative to the executable (a slice of a universal binary starts at 0). */
  readonly offset: number;
  /** Bytes stored in the file: 0 for sections that only reserve memory (`.bss`, zero-fill). */
  readonly size: number;
}

/**
 * A range of the file loaded at a virtual address: an ELF `PT_LOAD` program header, a Mach-O
 * segment, or a PE section (PE maps section by section).
 */
export interface ExecutableSegment {
  /** Mach-O segment or PE section name; undefined for ELF program headers. */
  readonly name?: string;
  readonly address: number;
  readonly offset: number;
  /** Bytes backed by the file (`p_filesz`, `filesize`, `SizeOfRawData`). */
  readonly size: number;
  /**
   * The format's own protection bits: ELF `p_flags` (`PF_X` 1, `PF_W` 2, `PF_R` 4), Mach-O
   * `initprot` (`VM_PROT_READ` 1, `WRITE` 2, `EXECUTE` 4), PE section `Characteristics`.
   */
  readonly flags: number;
  /** Mach-O only: the segment's `maxprot`. */
  readonly maxFlags?: number;
}

/** One executable image: a whole ELF or PE file, a thin Mach-O file, or one slice of a universal binary. */
export interface Executable {
  readonly format: ExecutableFormat;
  /** The architecture in Go's GOARCH spelling (`amd64`, `arm64`, `386`, `ppc64le`…), or `unknown-<code>`. */
  readonly machine: string;
  readonly pointerSize: 4 | 8;
  readonly littleEndian: boolean;
  readonly sections: readonly ExecutableSection[];
  readonly segments: readonly ExecutableSegment[];
  /** The executable's bytes; offsets above are relative to it. */
  readonly content: ByteSource;
}

/** The first section called `name` (and, when given, in Mach-O segment `segment`). */
export function findSection(executable: Executable, name: string, segment?: string): ExecutableSection | undefined {
  return executable.sections.find((section) => section.name === name && (segment === undefined || section.segment === segment));
}

/**
 * The bytes of `section`. A section larger than `maxSize` is refused with `FILE_TOO_LARGE` before
 * anything is read; one that runs past the end of the file is `METADATA_UNPARSABLE`.
 */
export function readSection(executable: Executable, section: ExecutableSection, maxSize: number): Buffer {
  if (section.size > maxSize) {
    throw new ExecutableError('FILE_TOO_LARGE', `section ${section.name} claims ${section.size} bytes, more than the ${maxSize} accepted`);
  }
  if (section.offset + section.size > executable.content.size) {
    throw new ExecutableError('METADATA_UNPARSABLE', `section ${section.name} runs past the end of the file (${section.size} bytes at offset ${section.offset} of ${executable.content.size})`);
  }
  return executable.content.read(section.offset, section.size);
}

/** The segment whose file-backed bytes hold virtual address `address`. */
export function segmentAt(executable: Executable, address: number): ExecutableSegment | undefined {
  return executable.segments.find((segment) => segment.size > 0 && segment.address <= address && address < segment.address + segment.size);
}

/**
 * Up to `length` bytes loaded at virtual address `address`, read from the one segment holding
 * it (so fewer when the segment ends first), or undefined when no segment maps the address or
 * the segment claims bytes past the end of the file.
 */
export function readAtAddress(executable: Executable, address: number, length: number): Buffer | undefined {
  const segment = segmentAt(executable, address);
  if (segment === undefined) return undefined;
  const within = address - segment.address;
  const count = Math.min(length, segment.size - within);
  const offset = segment.offset + within;
  if (offset + count > executable.content.size) return undefined;
  return executable.content.read(offset, count);
}

/** The bytes `[offset, offset + size)` of `content` as content of their own (a universal binary's slice). */
export function sliceContent(content: ByteSource, offset: number, size: number): ByteSource {
  return {
    size,
    read: (at, length) => {
      const from = Math.max(0, Math.min(at, size));
      return content.read(offset + from, Math.max(0, Math.min(length, size - from)));
    },
  };
}
