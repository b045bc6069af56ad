import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeSbom } from '../../../src/sbom/format/index.js';
import { generateSbom } from '../../../src/sbom/generate.js';
import { descriptorInput, peek } from '../../../src/sbom/source/archive-input.js';
import { tarHeader, tarPadding, tempDir } from '../../support/image-builder.js';

const EXAMPLE = 'fixtures/images/example.tar';
const TIMESTAMP = '2025-01-01T00:00:00Z';

/**
 * A child process that loads sealkit's TypeScript sources itself, runs generateSbom on its
 * argument and prints the CycloneDX document, or with `--rss` its package count and peak RSS.
 */
const CHILD = `import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';
registerHooks({
  resolve(specifier, context, next) {
    try { return next(specifier, context); } catch (error) {
      if (specifier.endsWith('.js')) return next(specifier.slice(0, -3) + '.ts', context);
      throw error;
    }
  },
});
const [root, source, mode] = process.argv.slice(2);
const { generateSbom } = await import(pathToFileURL(root + '/src/sbom/generate.ts').href);
const { serializeSbom } = await import(pathToFileURL(root + '/src/sbom/format/index.ts').href);
try {
  const sbom = await generateSbom(source, { timestamp: '${TIMESTAMP}' });
  if (mode === '--rss') process.stdout.write(JSON.stringify({ packages: sbom.packages.length, maxRSS: process.resourceUsage().maxRSS * 1024 }));
  else process.stdout.write(serializeSbom(sbom, 'cyclonedx-json'));
} catch (error) {
  process.stderr.write(String(error.code) + ': ' + error.message);
  process.exitCode = 1;
}
`;

let dir: string;
let child: string;
beforeAll(async () => {
  dir = await tempDir();
  child = join(dir, 'child.mjs');
  await writeFile(child, CHILD);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the child on `source` with `input` piped into its standard input. */
async function runChild(source: string, input: AsyncIterable<Buffer> | Buffer, mode = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const process_ = spawn(process.execPath, ['--experimental-transform-types', '--no-warnings', child, resolve('.'), source, mode], { stdio: ['pipe', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  process_.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  process_.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const exited = new Promise<number | null>((done) => process_.on('close', done));
  // The child may stop reading early (a corrupt archive): a broken pipe is then expected.
  await pipeline(Buffer.isBuffer(input) ? Readable.from([input]) : Readable.from(input), process_.stdin).catch(() => undefined);
  const code = await exited;
  return { code, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() };
}

describe('standard input', () => {
  it('reads docker save output from a pipe, plain or compressed, into the SBOM of the indexed archive', { timeout: 60_000 }, async () => {
    const expected = serializeSbom(await generateSbom(`docker-archive:${EXAMPLE}`, { timestamp: TIMESTAMP }), 'cyclonedx-json');
    const tar = await readFile(EXAMPLE);
    for (const [source, input] of [
      ['docker-archive:-', zlib.gzipSync(tar)],
      ['-', tar],
      ['-', zlib.zstdCompressSync(tar)],
    ] as const) {
      const { code, stdout, stderr } = await runChild(source, input);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toBe(expected);
    }
  });

  it('ends with a clear error for a pipe that is cut short, holds no tar, or holds another kind of archive', { timeout: 60_000 }, async () => {
    const gz = zlib.gzipSync(await readFile(EXAMPLE));
    expect(await runChild('docker-archive:-', gz.subarray(0, gz.length >> 1))).toMatchObject({ code: 1, stderr: expect.stringMatching(/^ARCHIVE_CORRUPT: standard input is not a valid gzip-compressed tar archive/) });
    expect(await runChild('-', Buffer.from('hello\n'))).toMatchObject({ code: 1, stderr: expect.stringMatching(/^ARCHIVE_CORRUPT: standard input/) });
    expect(await runChild('-', Buffer.alloc(0))).toMatchObject({ code: 1, stderr: expect.stringContaining('empty') });
    expect(await runChild('oci-archive:-', gz)).toMatchObject({ code: 1, stderr: expect.stringMatching(/^NOT_AN_IMAGE: /) });
  });
});

/**
 * A gzip-compressed docker archive whose one layer holds `files` files of 4 KiB of random bytes and a dpkg
 * database, with its config and manifest.json after the layer, as `docker save` writes them:
 * generated as it is read, so no test holds it.
 */
async function* largeImage(files: number): AsyncGenerator<Buffer> {
  // Incompressible, so the compressed stream is as large as the image: a pipe's worth of bytes to carry.
  const data = Buffer.alloc(4096);
  const status = Buffer.from('Package: big\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\n\n');
  const layerSize = files * (512 + data.length) + 512 + status.length + tarPadding(status.length).length + 1024;
  const diff = createHash('sha256');
  const gzip = zlib.createGzip({ level: 1 });
  const out: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => out.push(chunk));
  const write = async (chunk: Buffer) => {
    if (!gzip.write(chunk)) await new Promise((done) => gzip.once('drain', done));
  };
  const layer = async (chunk: Buffer) => {
    diff.update(chunk);
    await write(chunk);
  };
  await write(tarHeader('layer.tar', layerSize));
  let batch: Buffer[] = [];
  for (let i = 0; i < files; i++) {
    batch.push(tarHeader(`data/${i % 1000}/file-${i}`, data.length), randomFillSync(Buffer.allocUnsafe(data.length)));
    if (batch.length >= 256) {
      await layer(Buffer.concat(batch));
      batch = [];
      yield* out.splice(0);
    }
  }
  await layer(Buffer.concat([...batch, tarHeader('var/lib/dpkg/status', status.length), status, tarPadding(status.length), Buffer.alloc(1024)]));
  await write(tarPadding(layerSize));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${diff.digest('hex')}`] } }));
  const manifest = Buffer.from(JSON.stringify([{ Config: 'config.json', RepoTags: ['big:1'], Layers: ['layer.tar'] }]));
  for (const [name, content] of [['config.json', config], ['manifest.json', manifest]] as const) {
    await write(Buffer.concat([tarHeader(name, content.length), content, tarPadding(content.length)]));
  }
  gzip.end(Buffer.alloc(1024));
  await new Promise((done) => gzip.once('end', done));
  yield* out.splice(0);
}

describe('memory while reading a large image from standard input', () => {
  it('stays flat as the image grows eightfold', { timeout: 300_000 }, async () => {
    const runs = [];
    // 64 MiB and 512 MiB of layer
    for (const files of [14_500, 116_000]) {
      const { code, stdout, stderr } = await runChild('docker-archive:-', largeImage(files), '--rss');
      expect(stderr).toBe('');
      expect(code).toBe(0);
      runs.push(JSON.parse(stdout) as { packages: number; maxRSS: number });
    }
    const [small, large] = runs as [{ packages: number; maxRSS: number }, { packages: number; maxRSS: number }];
    expect(small.packages).toBe(1);
    expect(large.packages).toBe(1);
    console.log(`peak RSS reading from stdin: ${(small.maxRSS / 2 ** 20).toFixed(1)} MiB (64 MiB layer), ${(large.maxRSS / 2 ** 20).toFixed(1)} MiB (512 MiB layer)`);
    expect(large.maxRSS - small.maxRSS).toBeLessThan(24 * 2 ** 20);
  });
});

describe('reading a descriptor', () => {
  it('goes on through a stream once a read finds the descriptor non-blocking and empty', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writeFd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    let socket: Socket | undefined;
    let fellBack!: () => void;
    const fallback = new Promise<void>((done) => (fellBack = done));
    const input = descriptorInput(readFd, 'the fifo', 'fifo', () => {
      fellBack();
      socket = new Socket({ fd: readFd, readable: true, writable: false });
      return socket;
    });
    try {
      const chunks = input.open()[Symbol.asyncIterator]();
      const first = chunks.next();
      // Nothing is written until the first read came back empty and the stream took over.
      await fallback;
      writeSync(writeFd, 'written after the switch');
      closeSync(writeFd);
      const read: string[] = [];
      for (let result = await first; result.done !== true; result = await chunks.next()) read.push(result.value.toString());
      expect(read.join('')).toBe('written after the switch');
      await expect(chunks.next()).resolves.toMatchObject({ done: true });
      await expect(input.open()[Symbol.asyncIterator]().next()).rejects.toThrow('can only be read once');
    } finally {
      socket?.destroy();
    }
  });
});

describe('peek', () => {
  it('reads ahead the first bytes and replays them with the rest, from views into a reused buffer', async () => {
    async function* views(): AsyncGenerator<Buffer> {
      const scratch = Buffer.alloc(3);
      for (const text of ['ab', 'cde', 'fg']) {
        scratch.write(text);
        yield scratch.subarray(0, text.length);
        scratch.fill(0x2a);
      }
    }
    const { head, chunks } = await peek(views(), 4);
    expect(head.toString()).toBe('abcd');
    const all: string[] = [];
    for await (const chunk of chunks) all.push(chunk.toString());
    expect(all.join('')).toBe('abcdefg');
    const short = await peek(views(), 100);
    expect(short.head.toString()).toBe('abcdefg');
  });
});
