import { describe, expect, it } from 'vitest';
import { LayerPaths, PathDigests } from '../../../src/sbom/source/path-digests.js';

/** Paths like a Debian layer's: long shared prefixes, names that differ in one character. */
function paths(count: number, prefix = 'usr/share/doc'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}/package-${i % 977}/changelog.${i}.gz`);
}

describe('PathDigests', () => {
  it('finds every path added and none that was not, across growth and duplicates', () => {
    const set = new PathDigests();
    const added = paths(50_000);
    for (const path of added) set.add(path);
    set.add(added[0]!);
    set.seal();
    expect(set.size).toBe(50_001);
    expect(added.every((path) => set.has(path))).toBe(true);
    // near misses: other prefixes, one character more or less, other case
    const absent = [...paths(50_000, 'usr/share/dot'), ...added.map((path) => `${path}x`), ...added.map((path) => path.slice(0, -1)), ...added.map((path) => path.toUpperCase())];
    expect(absent.filter((path) => set.has(path))).toEqual([]);
  });

  it('tells apart paths that differ only in non-ASCII characters, and the empty path', () => {
    const set = new PathDigests();
    for (const path of ['opt/caf\u00e9', '', 'opt/\u{1F600}']) set.add(path);
    set.seal();
    expect(['opt/caf\u00e9', '', 'opt/\u{1F600}'].map((path) => set.has(path))).toEqual([true, true, true]);
    expect(['opt/cafe', 'opt/caf\u00e8', 'opt/\u{1F601}', '/'].map((path) => set.has(path))).toEqual([false, false, false, false]);
  });

  it('an empty set has nothing; adding after sealing and asking before are mistakes', () => {
    const set = new PathDigests();
    expect(() => set.has('x')).toThrow();
    set.seal();
    expect(set.has('')).toBe(false);
    expect(() => set.add('x')).toThrow();
  });
});

describe('LayerPaths', () => {
  it('keeps directories apart from other entries, and leaves whiteouts and links to the layer record', () => {
    const entries = new LayerPaths();
    entries.add('usr/lib', 'directory');
    entries.add('usr/bin/tool', 'file');
    entries.add('dev/null', 'other');
    entries.add('usr/bin/sh', 'symlink');
    entries.add('usr/bin/link', 'hardlink');
    entries.add('opt/.wh.gone', 'file');
    entries.add('.wh..wh..opq', 'file');
    entries.seal();
    expect(['usr/lib', 'usr/bin/tool', 'dev/null', 'usr/bin/sh', 'opt/.wh.gone', '.wh..wh..opq'].map((path) => entries.nonDirectories.has(path))).toEqual([
      false,
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(entries.directories.has('usr/lib')).toBe(true);
    expect(entries.directories.has('usr/bin/tool')).toBe(false);
  });
});
