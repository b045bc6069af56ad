import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSubjects } from '../../src/attest/subjects.js';
import { UsageError } from '../../src/errors.js';
import type { SignProgress } from '../../src/sign/sign-options.js';

let dir: string;
let tgz: string;
let big: string;
const bytes = Buffer.from('widget 1.0.0 tarball bytes');
const sha256 = createHash('sha256').update(bytes).digest('hex');
const sha512 = createHash('sha512').update(bytes).digest('hex');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sealkit-subjects-'));
  tgz = join(dir, 'widget-1.0.0.tgz');
  await writeFile(tgz, bytes);
  big = join(dir, 'big.bin');
  // larger than one 4 MiB read, so that streaming and progress span several chunks
  await writeFile(big, Buffer.alloc(9 * 1024 * 1024 + 7, 0x5a));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The coreutils oracle: `<algorithm>sum <path>`. */
function coreutils(algorithm: 'sha256' | 'sha512', path: string): string {
  return execFileSync(`${algorithm}sum`, [path], { encoding: 'utf8' }).split(' ')[0] as string;
}

describe('resolveSubjects', () => {
  it('hashes a path and names it by its base name, as sha256sum does', async () => {
    expect(await resolveSubjects(tgz)).toStrictEqual([{ name: 'widget-1.0.0.tgz', digest: { sha256: coreutils('sha256', tgz) } }]);
  });

  it('computes sha512 alone (as npm records it) or both, in one read, matching sha512sum', async () => {
    expect(await resolveSubjects([big], { digestAlgorithms: ['sha512'] })).toStrictEqual([
      { name: 'big.bin', digest: { sha512: coreutils('sha512', big) } },
    ]);
    const both = await resolveSubjects(big, { digestAlgorithms: ['sha512', 'sha256', 'sha512'] });
    expect(both).toStrictEqual([{ name: 'big.bin', digest: { sha256: coreutils('sha256', big), sha512: coreutils('sha512', big) } }]);
    // the statement's bytes do not depend on the order the options listed
    expect(Object.keys(both[0]?.digest ?? {})).toEqual(['sha256', 'sha512']);
  });

  it('hashes bytes, Node streams and web streams when they are named', async () => {
    const web = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.subarray(0, 5));
        controller.enqueue(bytes.subarray(5));
        controller.close();
      },
    });
    const subjects = await resolveSubjects(
      [
        { artifact: bytes, name: 'pkg:npm/widget@1.0.0' },
        { artifact: Readable.from([bytes.subarray(0, 3), bytes.subarray(3)]), name: 'from-node-stream' },
        { artifact: web, name: 'from-web-stream' },
      ],
      { digestAlgorithms: ['sha256', 'sha512'] },
    );
    expect(subjects).toStrictEqual([
      { name: 'pkg:npm/widget@1.0.0', digest: { sha256, sha512 } },
      { name: 'from-node-stream', digest: { sha256, sha512 } },
      { name: 'from-web-stream', digest: { sha256, sha512 } },
    ]);
  });

  it('takes digests as given: sha256:/sha512: strings, { sha256 }, { name, digest }', async () => {
    const subjects = await resolveSubjects(
      [
        { artifact: `sha256:${sha256.toUpperCase()}`, name: 'a' },
        { artifact: `sha512:${sha512}`, name: 'b' },
        { artifact: { sha256: `sha256:${sha256}` }, name: 'c' },
        { name: 'ghcr.io/acme/widget:1.0.0', digest: { sha256, sha512: `SHA512:${sha512}` } },
      ],
      // digestAlgorithms apply to what is read; a digest keeps what it was given
      { digestAlgorithms: ['sha512'] },
    );
    expect(subjects).toStrictEqual([
      { name: 'a', digest: { sha256 } },
      { name: 'b', digest: { sha512 } },
      { name: 'c', digest: { sha256 } },
      { name: 'ghcr.io/acme/widget:1.0.0', digest: { sha256, sha512 } },
    ]);
  });

  it('names a path subject by the name given', async () => {
    expect(await resolveSubjects({ artifact: tgz, name: 'pkg:npm/widget@1.0.0' })).toStrictEqual([
      { name: 'pkg:npm/widget@1.0.0', digest: { sha256 } },
    ]);
  });

  it('drops duplicates of the same name and digest, keeping the first order', async () => {
    const subjects = await resolveSubjects([
      tgz,
      { name: 'other', digest: { sha256 } },
      { artifact: bytes, name: 'widget-1.0.0.tgz' },
      tgz,
      { name: 'widget-1.0.0.tgz', digest: { sha256: '0'.repeat(64) } },
    ]);
    expect(subjects).toStrictEqual([
      { name: 'widget-1.0.0.tgz', digest: { sha256 } },
      { name: 'other', digest: { sha256 } },
      { name: 'widget-1.0.0.tgz', digest: { sha256: '0'.repeat(64) } },
    ]);
  });

  it.each([
    ['an empty list', [], /no subjects/],
    ['bytes without a name', [bytes], /subject\[1\] is bytes and has no name/],
    ['a stream without a name', [Readable.from([bytes])], /is a stream and has no name/],
    ['a digest string without a name', [`sha256:${sha256}`], /is a digest and has no name/],
    ['{ sha256 } without a name', [{ sha256 }], /is a digest and has no name/],
    ['a short sha256', [{ artifact: 'sha256:abc', name: 'x' }], /sha256 must be 64 hexadecimal digits/],
    ['a sha256 of sha512 length', [{ name: 'x', digest: { sha256: sha512 } }], /sha256 must be 64 hexadecimal digits/],
    ['a sha512 that is not hex', [{ name: 'x', digest: { sha512: 'g'.repeat(128) } }], /sha512 must be 128 hexadecimal digits/],
    ['an unsupported digest algorithm', [{ name: 'x', digest: { md5: 'a'.repeat(32) } }], /digest\.md5 is not supported/],
    ['an empty digest', [{ name: 'x', digest: {} }], /neither sha256 nor sha512/],
    ['an empty name', [{ artifact: tgz, name: '' }], /name must be a non-empty string/],
    ['both artifact and digest', [{ artifact: tgz, digest: { sha256 }, name: 'x' }], /both an artifact and a digest/],
    ['a number', [42], /must be a path, bytes/],
  ])('refuses %s before reading anything', async (_what, subjects, message) => {
    const progress: SignProgress[] = [];
    // a readable path first: it must not be read when a later subject is wrong
    const list = (subjects as unknown[]).length === 0 ? [] : [big, ...(subjects as unknown[])];
    const error = await resolveSubjects(list as never, { onProgress: (p) => progress.push(p) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(message) });
    expect(progress).toEqual([]);
  });

  it('refuses unknown digest algorithms and an empty algorithm list', async () => {
    await expect(resolveSubjects(tgz, { digestAlgorithms: ['md5' as 'sha256'] })).rejects.toThrow(/unsupported subject digest algorithm "md5"/);
    await expect(resolveSubjects(tgz, { digestAlgorithms: [] })).rejects.toThrow(/digestAlgorithms must list/);
  });

  it('reports ARTIFACT_UNREADABLE for a missing file or a directory', async () => {
    await expect(resolveSubjects(join(dir, 'missing.tgz'))).rejects.toMatchObject({ code: 'ARTIFACT_UNREADABLE' });
    await expect(resolveSubjects(dir)).rejects.toMatchObject({ code: 'ARTIFACT_UNREADABLE' });
  });

  it('reports hashing progress across subjects, with a total only for a single one', async () => {
    const single: SignProgress[] = [];
    await resolveSubjects(big, { onProgress: (p) => single.push(p) });
    expect(single.length).toBeGreaterThan(1);
    expect(single.at(-1)).toEqual({ stage: 'hash', bytes: 9 * 1024 * 1024 + 7, totalBytes: 9 * 1024 * 1024 + 7 });

    const several: SignProgress[] = [];
    await resolveSubjects([big, tgz], { onProgress: (p) => several.push(p) });
    expect(several.at(-1)).toEqual({ stage: 'hash', bytes: 9 * 1024 * 1024 + 7 + bytes.length, totalBytes: undefined });
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(resolveSubjects(big, { signal: controller.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
