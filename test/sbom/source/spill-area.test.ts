import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpillArea, SpillWriter } from '../../../src/sbom/source/spill-area.js';
import { executableLike, tempDir } from '../../support/image-builder.js';

function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

describe('SpillArea', () => {
  let parent: string;
  beforeAll(async () => {
    parent = await tempDir('sealkit-spill-parent-');
  });
  afterAll(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it('makes its private directory on the first spill only, and removes it whole', () => {
    const area = new SpillArea(1 << 20, { parent });
    expect(area.directory).toBeUndefined();
    expect(readdirSync(parent)).toEqual([]);
    const writer = area.begin(100, '/a') as SpillWriter;
    expect(writer).toBeInstanceOf(SpillWriter);
    const dir = area.directory!;
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(parent)).toHaveLength(1);
    writer.write(Buffer.alloc(100, 1));
    writer.finish();
    area.dispose();
    expect(existsSync(dir)).toBe(false);
    area.dispose();
  });

  it('reads back what was written, in pieces, at any offset', () => {
    const area = new SpillArea(1 << 20, { parent });
    const data = executableLike(200_000, 'piecewise');
    const writer = area.begin(data.length, '/piecewise') as SpillWriter;
    const scratch = Buffer.alloc(4099);
    for (let pos = 0; pos < data.length; pos += scratch.length) {
      const length = data.copy(scratch, 0, pos, pos + scratch.length);
      writer.write(scratch.subarray(0, length));
      scratch.fill(0); // the writer must not have kept the view
    }
    const file = writer.finish();
    expect(file.size).toBe(data.length);
    expect(file.readAll().equals(data)).toBe(true);
    expect(file.read(123_457, 10).equals(data.subarray(123_457, 123_467))).toBe(true);
    expect(file.read(data.length - 5, 100).equals(data.subarray(-5))).toBe(true);
    expect(file.read(data.length, 100)).toHaveLength(0);
    expect(() => file.read(-1, 4)).toThrow(RangeError);
    area.dispose();
  });

  it('refuses a file that would pass the limit, and counts released files out', () => {
    const area = new SpillArea(1000, { parent });
    const first = area.begin(600, '/first') as SpillWriter;
    expect(area.begin(500, '/second')).toEqual({ reason: 'limit', limit: 1000 });
    first.write(Buffer.alloc(600));
    const file = first.finish();
    expect(area.bytesInUse).toBe(600);
    file.release();
    expect(area.bytesInUse).toBe(0);
    expect(readdirSync(area.directory!)).toEqual([]);
    expect(() => file.read(0, 1)).toThrow(/released/);
    const second = area.begin(500, '/second') as SpillWriter;
    second.abandon();
    expect(area.bytesInUse).toBe(0);
    area.dispose();
  });

  it('a file cut short is not handed out', () => {
    const area = new SpillArea(1000, { parent });
    const writer = area.begin(100, '/short') as SpillWriter;
    writer.write(Buffer.alloc(10));
    expect(() => writer.finish()).toThrow(/10 of 100/);
    expect(area.bytesInUse).toBe(0);
    area.dispose();
  });

  it('holds a bounded number of descriptors however many files it reads, and closes all of them', () => {
    const before = openDescriptors();
    const area = new SpillArea(1 << 20, { parent });
    const files = Array.from({ length: 100 }, (_, i) => {
      const writer = area.begin(10, `/f${i}`) as SpillWriter;
      writer.write(Buffer.from(`file ${String(i).padStart(5)}`));
      return writer.finish();
    });
    for (const file of files) expect(file.read(5, 5).toString().trim()).toBe(String(files.indexOf(file)));
    expect(openDescriptors() - before).toBeLessThanOrEqual(32);
    // a writer left open by a scan that stopped halfway is closed too
    area.begin(10, '/unfinished');
    area.dispose();
    expect(openDescriptors()).toBe(before);
  });

  it('removes its directory when the process exits without unwinding', async () => {
    // A child process loads the TypeScript module itself and calls process.exit mid-scan.
    const work = join(parent, 'exit-test');
    const where = join(work, 'tmp');
    await mkdir(where, { recursive: true });
    const child = join(work, 'child.mjs');
    await writeFile(
      child,
      `import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';
registerHooks({
  resolve(specifier, context, next) {
    try { return next(specifier, context); } catch (error) {
      if (specifier.endsWith('.js')) return next(specifier.slice(0, -3) + '.ts', context);
      throw error;
    }
  },
});
const [modulePath, where] = process.argv.slice(2);
const { SpillArea } = await import(pathToFileURL(modulePath).href);
const area = new SpillArea(1000, { parent: where });
const writer = area.begin(10, '/x');
writer.write(Buffer.alloc(10));
writer.finish();
console.log(area.directory);
process.exit(3);
`,
    );
    const modulePath = fileURLToPath(new URL('../../../src/sbom/source/spill-area.ts', import.meta.url));
    let output = '';
    try {
      execFileSync(process.execPath, ['--experimental-transform-types', '--no-warnings', child, modulePath, where], { encoding: 'utf8' });
    } catch (error) {
      expect((error as { status: number }).status).toBe(3);
      output = (error as { stdout: string }).stdout;
    }
    expect(output.trim()).toMatch(/sealkit-spill-/);
    expect(readdirSync(where)).toEqual([]);
  });

  it('packs small files into shared files, removed with their last member', () => {
    const area = new SpillArea(1 << 20, { parent, packBelow: 100 });
    const spill = (size: number, label: string) => {
      const writer = area.begin(size, label) as SpillWriter;
      writer.write(Buffer.from(label.padEnd(size, '.')));
      return writer.finish();
    };
    const small = Array.from({ length: 50 }, (_, i) => spill(20, `/small-${i}`));
    const large = spill(500, '/large');
    // one pack for fifty files, one file of its own for the large one
    expect(readdirSync(area.directory!)).toHaveLength(2);
    expect(small.map((f) => f.read(0, 20).toString().replace(/\.+$/, ''))).toEqual(small.map((_, i) => `/small-${i}`));
    expect(large.read(0, 6).toString()).toBe('/large');
    large.release();
    expect(readdirSync(area.directory!)).toHaveLength(1);
    expect(area.bytesInUse).toBe(50 * 20);
    for (const file of small.slice(1)) file.release();
    expect(area.bytesInUse).toBe(50 * 20);
    expect(small[0]!.read(0, 8).toString()).toBe('/small-0');
    small[0]!.release();
    expect(readdirSync(area.directory!)).toEqual([]);
    expect(area.bytesInUse).toBe(0);
    area.dispose();
  });

  it('reports a directory it cannot make instead of throwing', () => {
    const area = new SpillArea(1000, { parent: '/proc/no-such-dir' });
    expect(area.begin(10, '/x')).toMatchObject({ reason: 'error', message: 'ENOENT' });
    area.dispose();
  });
});
