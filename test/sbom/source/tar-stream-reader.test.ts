import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { SourceError } from '../../../src/errors.js';
import { TarStreamReader } from '../../../src/sbom/source/tar-stream-reader.js';
import { tarHeader, tarOf, tarPadding, type TestEntry } from '../../support/image-builder.js';

interface Seen {
  name: string;
  type: string;
  data?: string;
}

/** Chunks of `data`, `step` bytes each, as views into one reused buffer scribbled over after each. */
async function* chunked(data: Buffer, step: number): AsyncGenerator<Buffer> {
  const scratch = Buffer.alloc(step);
  for (let at = 0; at < data.length; at += step) {
    const length = data.copy(scratch, 0, at, at + step);
    yield scratch.subarray(0, length);
    scratch.fill(0xee);
  }
}

/** Reads every member of `archive` through the reader, keeping the data of those `read` picks. */
async function readAll(archive: Buffer, step: number, read: (name: string) => 'all' | 'some' | 'none' = () => 'all'): Promise<Seen[]> {
  const reader = new TarStreamReader(chunked(archive, step), 'test archive');
  const seen: Seen[] = [];
  for await (const member of reader.members()) {
    const entry: Seen = { name: member.name, type: member.typeFlag };
    const how = read(member.name);
    if (how !== 'none') {
      const pieces: Buffer[] = [];
      for await (const piece of member.body) {
        pieces.push(Buffer.from(piece));
        if (how === 'some') break;
      }
      if (how === 'all' && member.typeFlag === '0') entry.data = Buffer.concat(pieces).toString();
    }
    seen.push(entry);
  }
  await reader.close();
  return seen;
}

/** What tar-stream, an independent parser, reads from the same archive. */
async function oracle(archive: Buffer): Promise<Seen[]> {
  const seen: Seen[] = [];
  const extract = tar.extract();
  const types: Record<string, string> = { file: '0', link: '1', symlink: '2', directory: '5', fifo: '6' };
  extract.end(archive);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    seen.push({ name: entry.header.name, type: types[entry.header.type] ?? '?', ...(entry.header.type === 'file' ? { data: Buffer.concat(chunks).toString() } : {}) });
  }
  return seen;
}

const entries: TestEntry[] = [
  { path: 'manifest.json', content: '[{"Config":"c.json"}]' },
  { path: 'blobs/sha256/empty', content: '' },
  { path: `blobs/${'long-name-'.repeat(20)}/layer.tar`, content: 'x'.repeat(3000) },
  { path: 'dir', dir: true },
  { path: 'dir/link', symlink: '../manifest.json' },
  { path: 'dir/hard', hardlink: 'manifest.json' },
  { path: 'exactly-a-block', content: 'b'.repeat(512) },
  { path: 'last', content: 'the end' },
];

describe('TarStreamReader', () => {
  it('reads what tar-stream reads, wherever the chunks split the archive', async () => {
    const archive = await tarOf(entries);
    const expected = await oracle(archive);
    expect(expected.map((e) => e.name)).toContain(`blobs/${'long-name-'.repeat(20)}/layer.tar`);
    for (const step of [1, 7, 511, 512, 513, 1000, 4096, 1 << 20]) expect(await readAll(archive, step), `chunks of ${step}`).toEqual(expected);
  });

  it('skips what a reader leaves of a member, read in part or not at all', async () => {
    const archive = await tarOf(entries);
    const expected = (await oracle(archive)).map(({ name, type }) => ({ name, type }));
    const skipping = (name: string) => (name.includes('layer') ? 'some' : 'none');
    for (const step of [100, 4096]) expect(await readAll(archive, step, skipping)).toEqual(expected);
  });

  it('reports a cut anywhere, a missing end-of-archive marker, a corrupt header and an empty input as ARCHIVE_CORRUPT', async () => {
    const archive = await tarOf(entries);
    for (const cut of [0, 1, 511, 512, 700, 1024, 2000, archive.length - 1025, archive.length - 1]) {
      const error = await readAll(archive.subarray(0, cut), 256).catch((e: unknown) => e);
      expect(error, `cut at ${cut}`).toBeInstanceOf(SourceError);
      expect(error).toMatchObject({ code: 'ARCHIVE_CORRUPT' });
    }
    // members whole, end marker missing: cut short between members
    const unterminated = Buffer.concat([tarHeader('a', 3), Buffer.from('abc'), tarPadding(3)]);
    await expect(readAll(unterminated, 100)).rejects.toMatchObject({ code: 'ARCHIVE_CORRUPT', message: expect.stringContaining('without the end-of-archive marker') });
    const corrupt = Buffer.from(archive);
    corrupt.write('garbage', 10);
    await expect(readAll(corrupt, 100)).rejects.toMatchObject({ code: 'ARCHIVE_CORRUPT', message: expect.stringContaining('test archive is not a valid tar archive') });
    await expect(readAll(Buffer.alloc(0), 100)).rejects.toMatchObject({ code: 'ARCHIVE_CORRUPT', message: expect.stringContaining('empty') });
  });

  it('turns a failing input into ARCHIVE_CORRUPT, and stops at the end-of-archive marker', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield (await tarOf(entries)).subarray(0, 1024);
      throw new Error('invalid stored block lengths');
    }
    const reader = new TarStreamReader(failing(), 'x.tar.gz', 'gzip-compressed tar archive');
    const consume = async () => {
      for await (const member of reader.members()) for await (const _ of member.body);
    };
    await expect(consume()).rejects.toMatchObject({ code: 'ARCHIVE_CORRUPT', message: 'x.tar.gz is not a valid gzip-compressed tar archive: invalid stored block lengths' });

    // bytes past the end marker are not members; drain reads them up to its limit
    const archive = Buffer.concat([await tarOf(entries), Buffer.alloc(10240, 0x61)]);
    const trailing = new TarStreamReader(chunked(archive, 1024), 'padded');
    let members = 0;
    for await (const _ of trailing.members()) members++;
    expect(members).toBe(entries.length);
    expect(await trailing.drain(100)).toBe(false);
    expect(await trailing.drain(1 << 20)).toBe(true);
  });

  it('lets go of its input when closed early', async () => {
    let closed = false;
    async function* input(): AsyncGenerator<Buffer> {
      try {
        yield* chunked(await tarOf(entries), 512);
      } finally {
        closed = true;
      }
    }
    const reader = new TarStreamReader(input(), 'early');
    for await (const member of reader.members()) {
      expect(member.name).toBe('manifest.json');
      break;
    }
    await reader.close();
    expect(closed).toBe(true);
  });
});
