// Section tables checked against LLVM's reading of the same files (`llvm-objdump -h`, committed
// beside each fixture by fixtures/catalog/{golang,rust}/make-fixtures.sh): small real non-Go
// executables kept whole, and real Go and Rust binaries cut down by minexe.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EXECUTABLE_MAGIC,
  ExecutableError,
  findSection,
  readAtAddress,
  readExecutables,
  readSection,
  type Executable,
} from '../../../../src/sbom/readers/executable/index.js';
import type { ByteSource } from '../../../../src/sbom/readers/byte-source.js';

const CATALOG = join(import.meta.dirname, '../../../../fixtures/catalog');
const DIRS = ['golang/not-go', 'golang/binaries', 'rust/binaries'].map((dir) => join(CATALOG, dir));

function contentOf(bytes: Buffer): ByteSource & { bytesRead: number } {
  const content = {
    size: bytes.length,
    bytesRead: 0,
    read(offset: number, length: number): Buffer {
      const chunk = bytes.subarray(Math.min(offset, bytes.length), Math.min(offset + length, bytes.length));
      content.bytesRead += chunk.length;
      return chunk;
    },
  };
  return content;
}

function open(path: string): Executable[] {
  return readExecutables(contentOf(readFileSync(path)));
}

/**
 * `llvm-objdump -h` rows: name, size, VMA (ELF's null section has no name). LLVM gives the size
 * in memory; the readers give the bytes in the file, which for BSS-type sections is none.
 */
function llvmSections(text: string): Array<{ name: string; size: number; address: number }> {
  return text
    .split('\n')
    .flatMap((line) => {
      const match = /^\s*\d+ (\S*)\s+([0-9a-f]{8}) ([0-9a-f]{8,16})\b(.*)$/.exec(line);
      if (match === null) return [];
      const bss = /\bBSS\b/.test(match[4] as string);
      return [{ name: match[1] as string, size: bss ? 0 : Number.parseInt(match[2] as string, 16), address: Number.parseInt(match[3] as string, 16) }];
    })
    .filter((section) => section.name !== '');
}

describe('executable readers against llvm-objdump', () => {
  const fixtures = DIRS.flatMap((dir) => readdirSync(dir).filter((name) => name.endsWith('.objdump-h.txt')).map((name) => join(dir, name)));

  it('has real ELF, Mach-O and PE files of both word sizes to check', () => {
    const formats = fixtures.map((file) => /file format (\S+)/.exec(readFileSync(file, 'utf8'))?.[1]);
    for (const format of ['elf64-x86-64', 'elf32-i386', 'elf64-littleaarch64', 'elf64-powerpcle', 'mach-o', 'coff-x86-64', 'coff-i386', 'coff-arm64']) {
      expect(formats.some((f) => f?.startsWith(format))).toBe(true);
    }
  });

  for (const oracle of fixtures) {
    const file = oracle.replace(/\.objdump-h\.txt$/, '');
    it(`${file.split('/').slice(-2).join('/')}: every section with LLVM's name, address and size`, () => {
      const [executable, ...more] = open(file);
      expect(more).toEqual([]);
      const ours = (executable?.sections ?? []).map(({ name, size, address }) => ({ name, size, address }));
      expect(ours).toEqual(llvmSections(readFileSync(oracle, 'utf8')));
    });
  }

  it('reads a universal binary as its slices, where LLVM places them', () => {
    const path = join(CATALOG, 'golang/binaries/go1.22-replace-universal.macho');
    const headers = readFileSync(`${path}.universal-headers.txt`, 'utf8');
    const slices = open(path);
    expect(slices.map((slice) => slice.machine)).toEqual(['amd64', 'arm64']);
    expect(slices.map((slice) => slice.content.size)).toEqual([...headers.matchAll(/^\s+size (\d+)$/gm)].map((m) => Number(m[1])));
    const thin = open(join(CATALOG, 'golang/binaries/go1.22-replace-arm64.macho'))[0];
    expect(slices[1]?.sections).toEqual(thin?.sections);
  });

  it('names machines as GOARCH does and knows word size and byte order', () => {
    const summary = (name: string): string => {
      const [exe] = open(join(CATALOG, name));
      return `${exe?.format} ${exe?.machine} ${exe?.pointerSize} ${exe?.littleEndian ? 'le' : 'be'}`;
    };
    expect(summary('golang/not-go/gcc-386-freebsd-exec')).toBe('elf 386 4 le');
    expect(summary('golang/binaries/go1.17-ppc64le.elf')).toBe('elf ppc64le 8 le');
    expect(summary('golang/binaries/go1.22-experiment-arm64.elf')).toBe('elf arm64 8 le');
    expect(summary('golang/binaries/go1.20-arm64.macho')).toBe('macho arm64 8 le');
    expect(summary('golang/not-go/gcc-386-mingw-exec')).toBe('pe 386 4 le');
    expect(summary('golang/binaries/go1.22-replace-arm64.exe')).toBe('pe arm64 8 le');
  });

  it('maps virtual addresses to file bytes through segments', () => {
    const [exe] = open(join(CATALOG, 'golang/binaries/go1.15-amd64.exe'));
    if (exe === undefined) throw new Error('no executable');
    const data = findSection(exe, '.data');
    expect(data).toBeDefined();
    expect(readAtAddress(exe, data?.address ?? 0, 14)?.toString('latin1')).toBe('\xff Go buildinf:');
    expect(readAtAddress(exe, 0x10, 4)).toBeUndefined();
  });

  it('reads headers and tables only, never the whole file', () => {
    const bytes = readFileSync(join(CATALOG, 'golang/not-go/gcc-386-mingw-exec'));
    const content = contentOf(bytes);
    readExecutables(content);
    // the headers, the section table and the long section names: a tenth of this small file
    expect(content.bytesRead).toBeLessThan(bytes.length / 10);
  });

  it('finds Mach-O sections by segment too', () => {
    const [exe] = open(join(CATALOG, 'rust/binaries/workspace-amd64.macho'));
    if (exe === undefined) throw new Error('no executable');
    expect(findSection(exe, '.dep-v0', '__DATA')?.size).toBe(0x76);
    expect(findSection(exe, '.dep-v0', '__TEXT')).toBeUndefined();
  });
});

describe('executable readers on what is not an executable', () => {
  it('selects ELF, Mach-O, universal and MZ files by their magic, and never a Java class file', () => {
    const selected = (head: Buffer): boolean => EXECUTABLE_MAGIC.some((magic) => head.subarray(0, magic.length).equals(magic));
    expect(selected(readFileSync(join(CATALOG, 'golang/binaries/go1.22-replace-universal.macho')))).toBe(true);
    expect(selected(readFileSync(join(CATALOG, 'golang/binaries/go1.20-arm64.macho')))).toBe(true);
    // a Java 8 class file: cafebabe, minor 0, major 52
    expect(selected(Buffer.from('cafebabe00000034', 'hex'))).toBe(false);
    expect(readExecutables(contentOf(Buffer.from('cafebabe00000034000a0a00', 'hex')))).toEqual([]);
  });

  it('returns nothing for an MZ file without a PE signature, or text', () => {
    const dos = Buffer.alloc(128);
    dos.write('MZ');
    dos.writeUInt32LE(0x1000, 0x3c);
    expect(readExecutables(contentOf(dos))).toEqual([]);
    expect(readExecutables(contentOf(Buffer.from('MZ is not a program')))).toEqual([]);
    expect(readExecutables(contentOf(Buffer.alloc(0)))).toEqual([]);
  });

  const malformed: Array<[string, string, (bytes: Buffer) => Buffer, RegExp]> = [
    ['a truncated ELF header', 'golang/not-go/gcc-amd64-linux-exec', (b) => b.subarray(0, 40), /ELF header lies outside the file/],
    ['an unknown ELF class', 'golang/not-go/gcc-amd64-linux-exec', (b) => (b.writeUInt8(9, 4), b), /unknown ELF class 9/],
    ['an ELF section table past the end', 'golang/not-go/gcc-amd64-linux-exec', (b) => (b.writeBigUInt64LE(BigInt(b.length), 40), b), /section header table lies outside/],
    ['an ELF section count of 65535', 'golang/not-go/gcc-386-freebsd-exec', (b) => (b.writeUInt16LE(0xffff, 48), b), /section header table lies outside|claims 65535 entries/],
    ['an ELF section name table index out of range', 'golang/not-go/gcc-amd64-linux-exec', (b) => (b.writeUInt16LE(500, 62), b), /section name table index 500 is out of range/],
    ['Mach-O load commands claiming 1 GiB', 'golang/binaries/go1.20-arm64.macho', (b) => (b.writeUInt32LE(1 << 30, 20), b), /load commands claim 1073741824 bytes/],
    ['a Mach-O load command of size 0', 'golang/binaries/go1.20-arm64.macho', (b) => (b.writeUInt32LE(0, 32 + 4), b), /impossible size 0/],
    ['a universal slice past the end', 'golang/binaries/go1.22-replace-universal.macho', (b) => (b.writeUInt32BE(0x10000, 8 + 8), b), /slice 0 .* does not fit/],
    ['a PE section table past the end', 'golang/not-go/gcc-386-mingw-exec', (b) => b.subarray(0, 0x100), /PE section table lies outside the file/],
    ['an unknown PE optional header', 'golang/not-go/gcc-386-mingw-exec', (b) => (b.writeUInt16LE(0x999, b.readUInt32LE(0x3c) + 24), b), /unknown PE optional header magic 0x999/],
  ];
  for (const [what, fixture, damage, message] of malformed) {
    it(`throws ExecutableError for ${what}`, () => {
      const bytes = damage(Buffer.from(readFileSync(join(CATALOG, fixture))));
      let error: unknown;
      try {
        readExecutables(contentOf(bytes));
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ExecutableError);
      expect((error as ExecutableError).code).toBe('METADATA_UNPARSABLE');
      expect((error as Error).message).toMatch(message);
    });
  }

  it('refuses a section claiming 4 GiB with FILE_TOO_LARGE before reading it, and one past the end as corrupt', () => {
    const [exe] = open(join(CATALOG, 'rust/binaries/no-deps-amd64.elf'));
    if (exe === undefined) throw new Error('no executable');
    const section = findSection(exe, '.dep-v0');
    if (section === undefined) throw new Error('no section');
    expect(() => readSection(exe, { ...section, size: 2 ** 32 }, 8 * 1024 * 1024)).toThrow(expect.objectContaining({ code: 'FILE_TOO_LARGE' }));
    expect(() => readSection(exe, { ...section, offset: exe.content.size - 1 }, 8 * 1024 * 1024)).toThrow(expect.objectContaining({ code: 'METADATA_UNPARSABLE' }));
  });
});
