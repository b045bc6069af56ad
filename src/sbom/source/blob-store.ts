/**
 * Named files of an image container: the members of a tar archive (docker save, OCI archive)
 * or the files of an OCI layout directory. Small JSON documents are read whole (with a cap);
 * layer blobs are only ever streamed.
 * @module
 */
import { lstat, open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { SourceError } from '../../errors.js';
import { readRange } from '../../util/read-range.js';
import { indexTar, normalizeMemberName, type TarMember } from './tar-index.js';

/** Manifests, indexes and configs are small; a huge one is corrupt or hostile. */
export const MAX_DOCUMENT_SIZE = 16 * 1024 * 1024;

/**
 * Bytes of a layer read at a time (two such buffers per layer). Larger reads were not faster,
 * and each layer's buffers outlive it until a full garbage collection.
 */
const READ_CHUNK = 512 * 1024;

/** Read access to the named files of an image container. */
export interface BlobStore {
  /** The path the store was opened from, for messages. */
  readonly path: string;
  has(name: string): Promise<boolean>;
  /** Byte size of a member. */
  size(name: string): Promise<number>;
  /** Reads a small member whole; larger than `MAX_DOCUMENT_SIZE` is an error. */
  read(name: string): Promise<Buffer>;
  /** The first `length` bytes of a member (fewer when it is shorter). */
  head(name: string, length: number): Promise<Buffer>;
  /**
   * A member's bytes as chunks that are views into two reused buffers: each chunk is valid until
   * the next one is requested. Reading runs one chunk ahead of the consumer.
   */
  chunks(name: string): AsyncGenerator<Buffer>;
  close(): Promise<void>;
}

/** The blob name of a content digest in an OCI layout, validated so it cannot leave the layout. */
export function blobName(digest: string): string {
  const match = /^(sha256|sha512):([a-f0-9]{64}|[a-f0-9]{128})$/.exec(digest);
  if (match === null) {
    throw new SourceError('MANIFEST_INVALID', `invalid content digest: ${JSON.stringify(digest)}`);
  }
  return `blobs/${match[1]}/${match[2]}`;
}

function missing(store: BlobStore, name: string): SourceError {
  return new SourceError('BLOB_MISSING', `${store.path} has no ${name}`, { details: { path: store.path, name } });
}

function tooLarge(store: BlobStore, name: string, size: number): SourceError {
  return new SourceError('MANIFEST_INVALID', `${name} in ${store.path} is ${size} bytes, too large for an image document`, {
    details: { path: store.path, name, size },
  });
}

/** Opens a tar archive and indexes its members without reading their data. */
export async function openTarStore(path: string): Promise<BlobStore> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new SourceError('SOURCE_NOT_FOUND', `cannot open ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const { size } = await handle.stat();
    const members = await indexTar(handle, size, path);
    return new TarStore(path, handle, members);
  } catch (error) {
    await handle.close();
    throw error;
  }
}

class TarStore implements BlobStore {
  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly members: Map<string, TarMember>,
  ) {}

  /** Follows hard and symbolic links between members (docker save links duplicate layers). */
  private member(name: string): TarMember | undefined {
    let current = this.members.get(normalizeMemberName(name));
    for (let hops = 0; current !== undefined && hops < 8; hops++) {
      if (current.type === 'file') return current;
      if (current.linkName === undefined) return undefined;
      const target =
        current.type === 'symlink' && !current.linkName.startsWith('/')
          ? normalizeRelative(current.name, current.linkName)
          : normalizeMemberName(current.linkName);
      if (target === undefined) return undefined;
      current = this.members.get(target);
    }
    return undefined;
  }

  async has(name: string): Promise<boolean> {
    return this.member(name) !== undefined;
  }

  async size(name: string): Promise<number> {
    const member = this.member(name);
    if (member === undefined) throw missing(this, name);
    return member.size;
  }

  async read(name: string): Promise<Buffer> {
    const member = this.member(name);
    if (member === undefined) throw missing(this, name);
    if (member.size > MAX_DOCUMENT_SIZE) throw tooLarge(this, name, member.size);
    const data = Buffer.alloc(member.size);
    await this.handle.read(data, 0, member.size, member.offset);
    return data;
  }

  async head(name: string, length: number): Promise<Buffer> {
    const member = this.member(name);
    if (member === undefined) throw missing(this, name);
    const data = Buffer.alloc(Math.min(length, member.size));
    await this.handle.read(data, 0, data.length, member.offset);
    return data;
  }

  chunks(name: string): AsyncGenerator<Buffer> {
    const member = this.member(name);
    if (member === undefined) throw missing(this, name);
    return readRange(this.handle, member.offset, member.size, READ_CHUNK);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Resolves a relative symlink between members; undefined when it leaves the archive. */
export function normalizeRelative(from: string, target: string): string | undefined {
  const parts = from.split('/').slice(0, -1);
  for (const segment of target.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(segment);
  }
  return parts.join('/');
}

/** An OCI image layout directory. Only plain files inside it are read; links are not followed. */
export function openDirectoryStore(path: string): BlobStore {
  return new DirectoryStore(path);
}

class DirectoryStore implements BlobStore {
  constructor(readonly path: string) {}

  private file(name: string): string {
    const clean = normalizeMemberName(name);
    if (clean.split('/').includes('..')) throw missing(this, name);
    return join(this.path, clean);
  }

  private async stat(name: string) {
    try {
      const info = await lstat(this.file(name));
      return info.isFile() ? info : undefined;
    } catch {
      return undefined;
    }
  }

  async has(name: string): Promise<boolean> {
    return (await this.stat(name)) !== undefined;
  }

  async size(name: string): Promise<number> {
    const info = await this.stat(name);
    if (info === undefined) throw missing(this, name);
    return info.size;
  }

  async read(name: string): Promise<Buffer> {
    const size = await this.size(name);
    if (size > MAX_DOCUMENT_SIZE) throw tooLarge(this, name, size);
    return readFile(this.file(name));
  }

  async head(name: string, length: number): Promise<Buffer> {
    if ((await this.stat(name)) === undefined) throw missing(this, name);
    const handle = await open(this.file(name), 'r');
    try {
      const data = Buffer.alloc(length);
      const { bytesRead } = await handle.read(data, 0, length, 0);
      return data.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  async *chunks(name: string): AsyncGenerator<Buffer> {
    const size = await this.size(name);
    const handle = await open(this.file(name), 'r');
    try {
      yield* readRange(handle, 0, size, READ_CHUNK);
    } finally {
      await handle.close();
    }
  }

  async close(): Promise<void> {}
}
