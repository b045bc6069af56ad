import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CatalogFile } from '../../../src/sbom/catalog/cataloger.js';
import { dpkgCataloger } from '../../../src/sbom/catalog/dpkg.js';
import { npmCataloger } from '../../../src/sbom/catalog/npm.js';
import { MemoryResolver } from './memory-resolver.js';

const FIXTURES = join(import.meta.dirname, '../../../fixtures/catalog');

/** Generous bounds: they catch quadratic behaviour, not a slow machine. */
const LIMIT_MS = 5_000;

function timed<T>(fn: () => T): { result: T; ms: number } {
  const start = performance.now();
  const result = fn();
  return { result, ms: performance.now() - start };
}

describe('catalogers on image-sized input', () => {
  it('parses a multi-megabyte dpkg status with thousands of packages in linear time', () => {
    const stanzas = readFileSync(join(FIXTURES, 'debian/var/lib/dpkg/status'), 'utf8').trim().split('\n\n');
    const copies = 120;
    const big: string[] = [];
    for (let i = 0; i < copies; i++) {
      for (const stanza of stanzas) big.push(stanza.replace(/^Package: (.*)$/m, `Package: $1-${i}`).replace(/^(Depends: .*)$/m, `$1, libc6-${i}`));
    }
    const content = Buffer.from(`${big.join('\n\n')}\n`);
    expect(content.length).toBeGreaterThan(4 * 1024 * 1024);
    const resolver = new MemoryResolver({});
    const { result, ms } = timed(() => dpkgCataloger.parse([{ path: '/var/lib/dpkg/status', content }], { resolver, warn: () => {} }));
    expect(result.packages.length).toBe(stanzas.filter((s) => /Status: install ok installed/.test(s)).length * copies);
    expect(result.relationships.length).toBeGreaterThan(result.packages.length / 2);
    expect(ms).toBeLessThan(LIMIT_MS);
  });

  it('parses ten thousand package.json files and resolves their dependencies', () => {
    const files: CatalogFile[] = [];
    for (let app = 0; app < 100; app++) {
      for (let i = 0; i < 100; i++) {
        const dependencies = Object.fromEntries([1, 2, 3, 7].map((d) => [`pkg-${(i + d) % 100}`, '^1.0.0']));
        const path = `/srv/app-${app}/node_modules/pkg-${i}/package.json`;
        files.push({ path, content: Buffer.from(JSON.stringify({ name: `pkg-${i}`, version: '1.0.0', license: 'MIT', dependencies, description: 'x'.repeat(200) })) });
      }
    }
    files.sort((a, b) => (a.path < b.path ? -1 : 1));
    const resolver = new MemoryResolver({});
    const { result, ms } = timed(() => npmCataloger.parse(files, { resolver, warn: () => {} }));
    expect(result.packages).toHaveLength(10_000);
    expect(result.relationships).toHaveLength(40_000);
    expect(ms).toBeLessThan(LIMIT_MS);
  });
});
