/**
 * The build information the Go linker leaves in every executable (Go's `debug/buildinfo`
 * format): a 32-byte header starting `\xff Go buildinf:`, 16-byte aligned near the start of the
 * data, followed by the toolchain version and the module information text. Since Go 1.18 both
 * strings follow the header inline as varint-length-prefixed bytes; before that the header
 * holds two pointers to Go string headers, which are read through the virtual-address mapping.
 * @module
 */
import {
  findSection,
  readAtAddress,
  type Executable,
  type ExecutableSegment,
} from '../../readers/executable/index.js';

/** What the linker recorded, before the module text is parsed. */
export interface RawBuildInfo {
  /** `runtime.buildVersion`, e.g. `go1.22.1` or `go1.22.1 X:loopvar`. */
  goVersion: string;
  /** The module information text without its sentinels; empty for a binary built outside module mode. */
  modinfo: string;
  /** `inline` (Go 1.18 and later) or `pointer` (Go 1.17 and earlier). */
  encoding: 'inline' | 'pointer';
}

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_SIZE = 32;
const ALIGN = 16;
/** The linker puts the header near the start of the data; Go itself looks no further than this. */
const SEARCH_WINDOW = 64 * 1024;
/**
 * The module text of the largest real binaries is a few hundred kilobytes (one line per
 * dependency); a length claiming more is corrupt.
 */
export const MAX_BUILDINFO_STRING = 8 * 1024 * 1024;
const FLAG_BIG_ENDIAN = 1;
const FLAG_INLINE = 2;
/** cmd/go's `modload.infoStart` and `infoEnd` are 16 bytes each; the text ends with a newline. */
const SENTINEL_SIZE = 16;

const ELF_PF_X = 1;
const ELF_PF_W = 2;
const MACHO_VM_PROT_RW = 3;
const PE_INITIALIZED_DATA = 0x40;
const PE_MEM_READ = 0x40000000;
const PE_MEM_WRITE = 0x80000000;
const PE_ALIGN_32BYTES = 0x00600000;

/** Thrown for a Go binary whose build information is present but cannot be decoded. */
export class BuildInfoError extends Error {
  override readonly name = 'BuildInfoError';
}

/**
 * The build information of `executable`, or undefined when it holds none (it was not built by
 * Go, or by a Go older than 1.13).
 * @throws {@link BuildInfoError} when the header is there but what it points to is not
 */
export function readRawBuildInfo(executable: Executable): RawBuildInfo | undefined {
  const start = dataStart(executable);
  if (start === undefined) return undefined;
  const window = readAtAddress(executable, start, SEARCH_WINDOW);
  if (window === undefined) return undefined;
  const at = findHeader(window);
  if (at === undefined) return undefined;
  const header = window.subarray(at, at + HEADER_SIZE);
  const pointerSize = header[14];
  const flags = header[15] ?? 0;
  let goVersion: Buffer;
  let modinfo: Buffer;
  let encoding: RawBuildInfo['encoding'];
  if ((flags & FLAG_INLINE) !== 0) {
    encoding = 'inline';
    const reader = new InlineStrings(executable, start + at + HEADER_SIZE);
    goVersion = reader.next('Go version');
    modinfo = reader.next('module information');
  } else {
    encoding = 'pointer';
    if (pointerSize !== 4 && pointerSize !== 8) throw new BuildInfoError(`build information header gives an impossible pointer size ${String(pointerSize)}`);
    const bigEndian = (flags & FLAG_BIG_ENDIAN) !== 0;
    const pointer = (bytes: Buffer, offset: number): number => readWord(bytes, offset, pointerSize, bigEndian);
    goVersion = readGoString(executable, pointer(header, 16), pointerSize, pointer, 'Go version');
    modinfo = readGoString(executable, pointer(header, 16 + pointerSize), pointerSize, pointer, 'module information');
  }
  if (goVersion.length === 0) return undefined;
  return { goVersion: goVersion.toString('utf8'), modinfo: stripSentinels(modinfo), encoding };
}

/**
 * Where Go's own reader looks: the section the linker names for the purpose (ELF
 * `.go.buildinfo`, Mach-O `__go_buildinfo`), otherwise the first writable data segment (older
 * binaries, stripped section tables, and PE, where the header opens `.data`).
 */
export function dataStart(executable: Executable): number | undefined {
  switch (executable.format) {
    case 'elf':
      return (
        findSection(executable, '.go.buildinfo')?.address ??
        executable.segments.find((segment) => (segment.flags & (ELF_PF_X | ELF_PF_W)) === ELF_PF_W)?.address
      );
    case 'macho':
      return (
        findSection(executable, '__go_buildinfo')?.address ??
        executable.segments.find(
          (segment) => segment.address !== 0 && segment.size !== 0 && segment.flags === MACHO_VM_PROT_RW && segment.maxFlags === MACHO_VM_PROT_RW,
        )?.address
      );
    case 'pe':
      return executable.segments.find(isPeDataSection)?.address;
  }
}

function isPeDataSection(segment: ExecutableSegment): boolean {
  return segment.size !== 0 && (segment.flags & ~PE_ALIGN_32BYTES) >>> 0 === (PE_INITIALIZED_DATA | PE_MEM_READ | PE_MEM_WRITE) >>> 0;
}

/** Offset of the first 16-byte aligned header in `window` with room for all 32 bytes of it. */
function findHeader(window: Buffer): number | undefined {
  for (let at = window.indexOf(MAGIC); at >= 0; at = window.indexOf(MAGIC, at + 1)) {
    if (at + HEADER_SIZE > window.length) return undefined;
    if (at % ALIGN === 0) return at;
  }
  return undefined;
}

function readWord(bytes: Buffer, offset: number, size: 4 | 8, bigEndian: boolean): number {
  if (size === 4) return bigEndian ? bytes.readUInt32BE(offset) : bytes.readUInt32LE(offset);
  const value = bigEndian ? bytes.readBigUInt64BE(offset) : bytes.readBigUInt64LE(offset);
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(value);
}

/** A Go string header (data pointer, length) at `address`, and the bytes it points to. */
function readGoString(
  executable: Executable,
  address: number,
  pointerSize: 4 | 8,
  pointer: (bytes: Buffer, offset: number) => number,
  what: string,
): Buffer {
  const header = readAtAddress(executable, address, 2 * pointerSize);
  if (header === undefined || header.length < 2 * pointerSize) throw new BuildInfoError(`the ${what} string header at 0x${address.toString(16)} is not in the file`);
  const data = pointer(header, 0);
  const length = pointer(header, pointerSize);
  if (length === 0) return Buffer.alloc(0);
  if (length > MAX_BUILDINFO_STRING) throw new BuildInfoError(`the ${what} claims ${length} bytes`);
  const bytes = readAtAddress(executable, data, length);
  if (bytes === undefined || bytes.length < length) throw new BuildInfoError(`the ${what} (${length} bytes at 0x${data.toString(16)}) is not in the file`);
  return bytes;
}

/** Varint-prefixed strings following an inline header, read straight from the mapped data. */
class InlineStrings {
  constructor(
    private readonly executable: Executable,
    private address: number,
  ) {}

  next(what: string): Buffer {
    const prefix = readAtAddress(this.executable, this.address, 10);
    if (prefix === undefined) throw new BuildInfoError(`the ${what} length is not in the file`);
    let length = 0;
    let used = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = prefix[used];
      if (byte === undefined || shift > 49) throw new BuildInfoError(`the ${what} length is not a valid varint`);
      used++;
      length += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) break;
    }
    if (length > MAX_BUILDINFO_STRING) throw new BuildInfoError(`the ${what} claims ${length} bytes`);
    const bytes = length === 0 ? Buffer.alloc(0) : readAtAddress(this.executable, this.address + used, length);
    if (bytes === undefined || bytes.length < length) throw new BuildInfoError(`the ${what} (${length} bytes) runs past its segment`);
    this.address += used + length;
    return bytes;
  }
}

/** Removes cmd/go's framing; text without it is not module information (Go does the same). */
function stripSentinels(modinfo: Buffer): string {
  const framed = modinfo.length >= 2 * SENTINEL_SIZE + 1 && modinfo[modinfo.length - SENTINEL_SIZE - 1] === 0x0a;
  return framed ? modinfo.subarray(SENTINEL_SIZE, modinfo.length - SENTINEL_SIZE).toString('utf8') : '';
}
