/**
 * Where the bytes of an image archive read front to back come from: a compressed archive file
 * (read again if a second pass is needed), standard input, or a stream the caller hands over
 * (read once). Chunks are Buffers; a file's are views into two reused buffers.
 * @module
 */
import { read } from 'node:fs';
import { open } from 'node:fs/promises';
import { isatty } from 'node:tty';
import { promisify } from 'node:util';
import { UsageError, SourceError, throwIfAborted } from '../../errors.js';
import { readRange } from '../../util/read-range.js';

/**
 * An image archive read from a stream instead of a path: the output of `docker save` or an OCI
 * archive (`skopeo copy … oci-archive:`), plain, gzip- or zstd-compressed. Pass it as the source
 * of `generateSbom`; the stream is read once, front to back, and never held whole.
 */
export interface ImageStream {
  /**
   * The archive's bytes: a Node.js `Readable` (a child process's stdout, an HTTP response, a file
   * stream), a web `ReadableStream`, or any async iterable of byte chunks. Read to its end or
   * until the archive ends; on failure it is closed.
   */
  stream: AsyncIterable<Uint8Array>;
  /**
   * What the archive is. Left out, it is told from the members: a `manifest.json` makes it a
   * docker-archive, else an `index.json` an OCI archive.
   */
  scheme?: 'docker-archive' | 'oci-archive';
  /** The image's name when the archive names none (an OCI archive whose index only has a tag). Default `stdin` for standard input, else `image`. */
  name?: string;
}

/** True for an {@link ImageStream} (anything with an async-iterable `stream`). */
export function isImageStream(value: unknown): value is ImageStream {
  const stream = (value as Partial<ImageStream> | null)?.stream;
  return typeof stream === 'object' && stream !== null && typeof (stream as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

/** The bytes of an archive to read front to back. */
export interface ArchiveInput {
  /** Names the archive in messages: its path, `standard input` or `the given stream`. */
  label: string;
  /** What the SBOM records as the source location: the path, or `-` for a stream. */
  location: string;
  /** The image name when the archive names none. */
  fallbackName: string;
  /** Size in bytes, when known (for progress). */
  size?: number;
  /** Whether {@link open} may be called again, for a second pass. */
  reopenable: boolean;
  /** The raw bytes, as they come. */
  open(signal?: AbortSignal): AsyncIterable<Buffer>;
}

/** A compressed archive file; named like `image.tar.gz`, its image is `image`. */
export function fileInput(path: string, size: number, fallbackName: string): ArchiveInput {
  return {
    label: path,
    location: path,
    fallbackName,
    size,
    reopenable: true,
    async *open(signal) {
      let handle;
      try {
        handle = await open(path, 'r');
      } catch (error) {
        throw new SourceError('SOURCE_NOT_FOUND', `cannot open ${path}: ${(error as Error).message}`, { cause: error, details: { path } });
      }
      try {
        for await (const chunk of readRange(handle, 0, size)) {
          throwIfAborted(signal);
          yield chunk;
        }
      } finally {
        await handle.close();
      }
    },
  };
}

/** Bytes asked of a descriptor per read (a pipe gives at most its capacity, 64 KiB on Linux). */
const DESCRIPTOR_CHUNK = 1024 * 1024;

/**
 * Standard input of this process: `docker save app | sealkit sbom docker-archive:-`. Read with
 * plain reads into two reused buffers: through `process.stdin`, every chunk would be a new buffer,
 * and hundreds of megabytes of them raise the peak memory by about ten megabytes before the
 * garbage collector catches up. Where descriptor 0 does not block (EAGAIN: something made it
 * non-blocking, such as touching `process.stdin`), reading goes on through `process.stdin`,
 * from where it stopped.
 */
export function stdinInput(): ArchiveInput {
  return descriptorInput(0, 'standard input', 'stdin', () => process.stdin);
}

/**
 * An open descriptor read to its end, as {@link stdinInput} reads standard input; `fallback`
 * reads the rest once a read finds the descriptor non-blocking and empty.
 * @internal exported for tests
 */
export function descriptorInput(fd: number, label: string, fallbackName: string, fallback: () => AsyncIterable<Uint8Array | string>): ArchiveInput {
  let opened = false;
  return {
    label,
    location: '-',
    fallbackName,
    reopenable: false,
    async *open(signal) {
      // Waiting for a terminal to type an image archive would look like a hang.
      if (isatty(fd)) {
        throw new UsageError('INVALID_ARGUMENT', `${label} is a terminal: pipe an image archive into it (docker save app | sealkit sbom docker-archive:-)`);
      }
      if (opened) throw new Error(`${label} can only be read once`);
      opened = true;
      // Two buffers: the next read fills one while the consumer works on the other.
      const buffers = [Buffer.allocUnsafe(DESCRIPTOR_CHUNK), Buffer.allocUnsafe(DESCRIPTOR_CHUNK)];
      let turn = 0;
      const start = () => readAsync(fd, buffers[turn] as Buffer, 0, DESCRIPTOR_CHUNK, null);
      let pending = start();
      for (;;) {
        throwIfAborted(signal);
        let bytesRead: number;
        try {
          ({ bytesRead } = await pending);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
            // Nothing was read: the stream takes over exactly where the reads stopped.
            yield* onceInput(fallback(), label, fallbackName).open(signal);
            return;
          }
          throw new SourceError('SOURCE_NOT_FOUND', `cannot read ${label}: ${(error as Error).message}`, { cause: error });
        }
        if (bytesRead === 0) return;
        const chunk = (buffers[turn] as Buffer).subarray(0, bytesRead);
        turn ^= 1;
        // A read left waiting when reading stops early ends with the writer's next bytes or its end.
        pending = start();
        pending.catch(() => undefined);
        yield chunk;
      }
    },
  };
}

/** A stream handed over by the caller. */
export function streamInput(source: ImageStream): ArchiveInput {
  return onceInput(source.stream, 'the given stream', source.name ?? 'image');
}

const readAsync = promisify(read);

function onceInput(stream: AsyncIterable<Uint8Array | string>, label: string, fallbackName: string): ArchiveInput {
  let opened = false;
  return {
    label,
    location: '-',
    fallbackName,
    reopenable: false,
    async *open(signal) {
      if (opened) throw new Error(`${label} can only be read once`);
      opened = true;
      const iterator = stream[Symbol.asyncIterator]();
      try {
        for (;;) {
          throwIfAborted(signal);
          let result: IteratorResult<Uint8Array | string>;
          try {
            result = await iterator.next();
          } catch (error) {
            throw new SourceError('SOURCE_NOT_FOUND', `cannot read ${label}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
          }
          if (result.done === true) return;
          const chunk = result.value;
          if (typeof chunk === 'string') {
            throw new UsageError('INVALID_ARGUMENT', `${label} yields text, not bytes: an image archive must be read without an encoding`);
          }
          if (chunk.length > 0) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        }
      } finally {
        // Stopping early (an error, the end of the archive) closes the stream: a Readable is destroyed.
        await iterator.return?.();
      }
    },
  };
}

/**
 * `chunks` with its first `length` bytes (fewer when the input is shorter) read ahead, so a
 * format can be told from them before the bytes are read in order.
 */
export async function peek(chunks: AsyncIterable<Buffer>, length: number): Promise<{ head: Buffer; chunks: AsyncGenerator<Buffer> }> {
  const iterator = chunks[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  let have = 0;
  let done = false;
  while (have < length) {
    const result = await iterator.next();
    if (result.done === true) {
      done = true;
      break;
    }
    // Chunks may be views into reused buffers: keep copies of the few read ahead.
    seen.push(Buffer.from(result.value));
    have += result.value.length;
  }
  const head = Buffer.concat(seen).subarray(0, length);
  async function* replay(): AsyncGenerator<Buffer> {
    try {
      yield* seen;
      seen.length = 0;
      if (done) return;
      for (;;) {
        const result = await iterator.next();
        if (result.done === true) return;
        yield result.value;
      }
    } finally {
      await iterator.return?.();
    }
  }
  return { head, chunks: replay() };
}
