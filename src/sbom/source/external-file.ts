/**
 * Captured files whose bytes stay on disk: a large file spilled from a layer stream to a
 * temporary file, or a file of a scanned directory read in place. Parsers read them through
 * synchronous positional reads; descriptors are opened on demand and kept in a small pool, so
 * an image with thousands of such files never holds thousands of descriptors.
 * @module
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { SourceError } from '../../errors.js';
import type { FileContent } from '../catalog/cataloger.js';

/** Descriptors kept open at once; parsers read one file at a time, a few suffice. */
const POOL_SIZE = 32;

/** Open read-only descriptors by host path, least recently used closed first. */
export class DescriptorPool {
  private readonly open = new Map<string, number>();

  /** A descriptor for `hostPath`, opened without following a final symlink and only for a regular file. */
  get(hostPath: string, label: string): number {
    const cached = this.open.get(hostPath);
    if (cached !== undefined) {
      // Re-inserting moves it to the most recently used end.
      this.open.delete(hostPath);
      this.open.set(hostPath, cached);
      return cached;
    }
    let fd: number;
    try {
      fd = openSync(hostPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (error) {
      throw unreadable(label, error);
    }
    if (!fstatSync(fd).isFile()) {
      closeSync(fd);
      throw new SourceError('PATH_UNREADABLE', `${label} is no longer a regular file`, { details: { path: label } });
    }
    this.open.set(hostPath, fd);
    if (this.open.size > POOL_SIZE) {
      const [oldest, oldFd] = this.open.entries().next().value as [string, number];
      this.open.delete(oldest);
      closeSync(oldFd);
    }
    return fd;
  }

  /** Closes the descriptor of `hostPath`, if open (before the file is removed). */
  forget(hostPath: string): void {
    const fd = this.open.get(hostPath);
    if (fd === undefined) return;
    this.open.delete(hostPath);
    closeSync(fd);
  }

  closeAll(): void {
    for (const fd of this.open.values()) closeSync(fd);
    this.open.clear();
  }
}

function unreadable(label: string, error: unknown): SourceError {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new SourceError('PATH_UNREADABLE', `cannot read ${label}: ${code}`, { cause: error, details: { path: label } });
}

/** A captured file that is not in memory. */
export abstract class ExternalFile implements FileContent {
  private released = false;

  /**
   * @param hostPath where the bytes are on this machine
   * @param size the file's size when it was captured
   * @param label the file's path in the source (`/usr/bin/app`), for messages
   * @param start where the file's bytes begin in `hostPath` (several spilled files share one)
   */
  constructor(
    protected readonly pool: DescriptorPool,
    protected readonly hostPath: string,
    readonly size: number,
    readonly label: string,
    private readonly start = 0,
  ) {}

  read(offset: number, length: number): Buffer {
    if (this.released) throw new SourceError('PATH_UNREADABLE', `${this.label} was released before it was read`, { details: { path: this.label } });
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new RangeError(`invalid read of ${this.label}: offset ${offset}, length ${length}`);
    }
    // Never more than the file holds, whatever a parser asks for.
    const wanted = Math.max(0, Math.min(length, this.size - offset));
    const out = Buffer.allocUnsafe(wanted);
    const fd = this.pool.get(this.hostPath, this.label);
    let filled = 0;
    while (filled < wanted) {
      let read: number;
      try {
        read = readSync(fd, out, filled, wanted - filled, this.start + offset + filled);
      } catch (error) {
        throw unreadable(this.label, error);
      }
      if (read === 0) break;
      filled += read;
    }
    return filled === wanted ? out : out.subarray(0, filled);
  }

  /** The whole file, for a reader that wants bytes (a parser reached it through a link). */
  readAll(): Buffer {
    return this.read(0, this.size);
  }

  /** Gives the bytes up early; reading afterwards is an error. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.onRelease();
  }

  get isReleased(): boolean {
    return this.released;
  }

  protected onRelease(): void {}
}

/** A file of a scanned directory, read where it is. */
export class HostFile extends ExternalFile {
  protected override onRelease(): void {
    this.pool.forget(this.hostPath);
  }
}
