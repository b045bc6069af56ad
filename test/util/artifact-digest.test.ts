import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestArtifact, isPrecomputedDigest, parseDigest } from '../../src/util/artifact-digest.js';

let dir: string;
let file: string;
let content: Buffer;
let expected: string; // from sha256sum, an implementation sealkit does not share

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sealkit-digest-'));
  file = join(dir, 'artifact.bin');
  // 9 MiB + 17 bytes: several 4 MiB reads and a ragged tail.
  content = Buffer.alloc(9 * 1024 * 1024 + 17);
  for (let i = 0; i < content.length; i++) content[i] = (i * 2654435761) >>> 24;
  await writeFile(file, content);
  expected = execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0]!;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('digestArtifact', () => {
  it('hashes a file like sha256sum, reporting size, chunks and progress', async () => {
    const chunks: Buffer[] = [];
    const progress: number[] = [];
    const digest = await digestArtifact(file, {
      onChunk: (chunk) => chunks.push(Buffer.from(chunk)), // views into reused buffers
      onProgress: (bytes, total) => {
        expect(total).toBe(content.length);
        progress.push(bytes);
      },
    });
    expect(digest.sha256.toString('hex')).toBe(expected);
    expect(digest.size).toBe(content.length);
    expect(digest.path).toBe(file);
    expect(digest.data).toBeUndefined(); // never read into memory
    expect(chunks.length).toBe(3);
    expect(Buffer.concat(chunks).equals(content)).toBe(true);
    expect(progress.at(-1)).toBe(content.length);
  });

  it('hashes a Buffer, a Node stream, a web stream and an async iterable alike', async () => {
    const inputs = [
      content,
      new Uint8Array(content),
      createReadStream(file, { highWaterMark: 65536 }),
      Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>,
      (async function* () {
        for (let i = 0; i < content.length; i += 1_000_003) yield content.subarray(i, i + 1_000_003);
      })(),
    ];
    for (const input of inputs) {
      const digest = await digestArtifact(input);
      expect(digest.sha256.toString('hex')).toBe(expected);
      expect(digest.size).toBe(content.length);
    }
    expect((await digestArtifact(content)).data).toBe(content);
  });

  it('computes SHA-384 and SHA-512 in the same pass, like sha384sum and sha512sum', async () => {
    const oracle = (tool: string) => execFileSync(tool, [file], { encoding: 'utf8' }).split(' ')[0]!;
    for (const input of [file, content, createReadStream(file)]) {
      const digest = await digestArtifact(input, { algorithms: ['sha512', 'sha384'] });
      expect(digest.sha256.toString('hex')).toBe(expected);
      expect(digest.digests.sha256?.toString('hex')).toBe(expected);
      expect(digest.digests.sha384?.toString('hex')).toBe(oracle('sha384sum'));
      expect(digest.digests.sha512?.toString('hex')).toBe(oracle('sha512sum'));
    }
    await expect(digestArtifact(content, { algorithms: ['md5' as 'sha256'] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('takes a precomputed digest, with or without the sha256: prefix', async () => {
    expect((await digestArtifact({ sha256: expected })).sha256.toString('hex')).toBe(expected);
    expect((await digestArtifact({ sha256: `sha256:${expected.toUpperCase()}` })).sha256.toString('hex')).toBe(expected);
    expect(isPrecomputedDigest({ sha256: expected })).toBe(true);
    expect(isPrecomputedDigest(content)).toBe(false);
    expect(() => parseDigest('abc')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    await expect(digestArtifact({ sha256: 'z'.repeat(64) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('names a missing file, a directory and a failing stream', async () => {
    const missing = join(dir, 'nope.bin');
    await expect(digestArtifact(missing)).rejects.toMatchObject({
      code: 'ARTIFACT_UNREADABLE',
      message: expect.stringContaining(missing),
    });
    await expect(digestArtifact(dir)).rejects.toMatchObject({ code: 'ARTIFACT_UNREADABLE' });
    const broken = new Readable({
      read() {
        this.destroy(new Error('disk on fire'));
      },
    });
    await expect(digestArtifact(broken)).rejects.toMatchObject({
      code: 'ARTIFACT_UNREADABLE',
      message: expect.stringContaining('disk on fire'),
    });
  });

  it('refuses text streams, whose bytes are not the artifact', async () => {
    const text = createReadStream(file, { encoding: 'latin1' });
    await expect(digestArtifact(text)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(digestArtifact(file, { signal: controller.signal })).rejects.toMatchObject({ code: 'ABORTED' });
    const midway = new AbortController();
    await expect(
      digestArtifact(createReadStream(file, { highWaterMark: 1024 * 1024 }), {
        signal: midway.signal,
        onChunk: () => midway.abort(),
      }),
    ).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
