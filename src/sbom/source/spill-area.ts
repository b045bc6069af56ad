/**
 * Temporary files for captured files too large to keep in memory. The directory is private
 * (`mkdtemp`, mode 0700), made on the first spill only, and removed whole by {@link SpillArea.dispose},
 * which `generateSbom` calls however it ends (and which runs at process exit for an area still
 * alive then). A signal that kills the process leaves it behind: callers that handle SIGINT
 * should abort the scan instead. The bytes on disk at once are bounded.
 *
 * A large file gets a temporary file of its own, removed as soon as it is released. Small files
 * (spilled because the in-memory budget ran out; an image may hold thousands) are appended to
 * shared pack files instead: one create, one descriptor and one unlink for many files. A pack's
 * bytes are given back when every file in it was released.
 * @module
 */
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescriptorPool, ExternalFile } from './external-file.js';

/** A pack file takes new files until it holds this many bytes. */
const PACK_BYTES = 64 * 1024 * 1024;

/** Areas with a directory on disk; removed even when the process exits without unwinding. */
const live = new Set<SpillArea>();
let exitHookInstalled = false;

function removeOnExit(area: SpillArea): void {
  live.add(area);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // One listener for all areas; `exit` handlers must be synchronous, and dispose is.
  process.once('exit', () => {
    for (const pending of live) pending.dispose();
  });
}

/** Why a file could not be spilled; the caller turns it into a warning naming the file. */
export type SpillRefusal = { reason: 'limit'; limit: number } | { reason: 'error'; message: string };

/** How a {@link SpillArea} behaves. */
export interface SpillOptions {
  /** Where the private directory is made (default: the OS temporary directory, `TMPDIR`). */
  parent?: string;
  /** Files of at most this many bytes share pack files (default 0: every file has its own). */
  packBelow?: number;
}

/** A temporary file on disk: a large file's own, or a pack shared by small ones. */
export interface DiskFile {
  path: string;
  /** Bytes reserved in it so far. */
  bytes: number;
  /** Spilled files in it not yet released (or abandoned). */
  members: number;
  /** Write descriptor while files may still be added. */
  fd: number | undefined;
}

/** The temporary files of one `generateSbom` call. */
export class SpillArea {
  private dir: string | undefined;
  private used = 0;
  private next = 0;
  private disposed = false;
  private pack: DiskFile | undefined;
  /** Files with a write descriptor open, closed by {@link dispose} when a scan stops halfway. */
  private readonly writing = new Set<DiskFile>();
  private readonly parent: string;
  private readonly packBelow: number;
  readonly pool = new DescriptorPool();

  /** @param maxBytes bytes that may be in temporary files at once */
  constructor(
    readonly maxBytes: number,
    options: SpillOptions = {},
  ) {
    this.parent = options.parent ?? tmpdir();
    this.packBelow = options.packBelow ?? 0;
  }

  /** Bytes in temporary files now. */
  get bytesInUse(): number {
    return this.used;
  }

  /** The private directory, once the first file was spilled. */
  get directory(): string | undefined {
    return this.dir;
  }

  /** Starts spilling a file of `size` bytes, or says why it cannot be. */
  begin(size: number, label: string): SpillWriter | SpillRefusal {
    if (this.disposed) return { reason: 'error', message: 'the temporary directory was already removed' };
    const packed = size <= this.packBelow;
    let file = packed ? this.pack : undefined;
    if (file !== undefined && file.bytes + size > PACK_BYTES) {
      this.seal(file);
      file = undefined;
    }
    if (this.used + size > this.maxBytes) return { reason: 'limit', limit: this.maxBytes };
    if (file === undefined) {
      try {
        file = this.create();
      } catch (error) {
        return { reason: 'error', message: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
      }
      if (packed) this.pack = file;
    }
    const start = file.bytes;
    file.bytes += size;
    file.members++;
    this.used += size;
    return new SpillWriter(this, file, start, size, label, !packed);
  }

  private create(): DiskFile {
    if (this.dir === undefined) {
      this.dir = mkdtempSync(join(this.parent, 'sealkit-spill-'));
      removeOnExit(this);
    }
    const path = join(this.dir, String(this.next++));
    const file: DiskFile = { path, bytes: 0, members: 0, fd: openSync(path, 'wx', 0o600) };
    this.writing.add(file);
    return file;
  }

  /** A file of its own is done with writing once written; a pack when it is full. */
  closeWrites(file: DiskFile): void {
    if (file.fd === undefined) return;
    closeSync(file.fd);
    file.fd = undefined;
    this.writing.delete(file);
  }

  /** A full pack takes no more files. */
  private seal(file: DiskFile): void {
    if (this.pack === file) this.pack = undefined;
    this.closeWrites(file);
    if (file.members === 0) this.remove(file);
  }

  /** One file in `disk` is no longer needed; the disk file goes with its last one. */
  release(disk: DiskFile): void {
    disk.members--;
    if (this.disposed || disk.members > 0) return;
    if (this.pack === disk) this.pack = undefined;
    this.remove(disk);
  }

  private remove(disk: DiskFile): void {
    this.closeWrites(disk);
    this.pool.forget(disk.path);
    this.used -= disk.bytes;
    try {
      unlinkSync(disk.path);
    } catch {
      // Already gone with the directory; nothing is left to free.
    }
  }

  /** Closes every descriptor and removes the directory with everything in it. Idempotent. */
  dispose(): void {
    this.disposed = true;
    for (const file of [...this.writing]) this.closeWrites(file);
    this.pack = undefined;
    this.pool.closeAll();
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
    this.used = 0;
    live.delete(this);
  }
}

/** Writes one spilled file as its bytes stream by. */
export class SpillWriter {
  private written = 0;
  private done = false;

  constructor(
    private readonly area: SpillArea,
    private readonly disk: DiskFile,
    private readonly start: number,
    readonly size: number,
    private readonly label: string,
    private readonly ownFile: boolean,
  ) {}

  /** Appends `data` (a view the caller may reuse). Throws the system error when the disk refuses. */
  write(data: Buffer): void {
    if (this.written + data.length > this.size) throw new Error(`more than ${this.size} bytes written for ${this.label}`);
    const fd = this.disk.fd;
    if (fd === undefined) throw new Error(`the temporary file for ${this.label} is closed`);
    let done = 0;
    while (done < data.length) {
      done += writeSync(fd, data, done, data.length - done, this.start + this.written + done);
    }
    this.written += data.length;
  }

  /** The file, readable, once all `size` bytes were written. */
  finish(): SpilledFile {
    this.done = true;
    if (this.ownFile) this.area.closeWrites(this.disk);
    if (this.written !== this.size) {
      this.area.release(this.disk);
      throw new Error(`spilled ${this.written} of ${this.size} bytes of ${this.label}`);
    }
    return new SpilledFile(this.area, this.disk, this.start, this.size, this.label);
  }

  /** Gives up: the bytes written are dropped (a file of its own is removed at once). */
  abandon(): void {
    if (this.done) return;
    this.done = true;
    this.area.release(this.disk);
  }
}

/** A spilled file, read back with positional reads; released early when no view can see it. */
export class SpilledFile extends ExternalFile {
  constructor(
    private readonly area: SpillArea,
    private readonly disk: DiskFile,
    start: number,
    size: number,
    label: string,
  ) {
    super(area.pool, disk.path, size, label, start);
  }

  protected override onRelease(): void {
    this.area.release(this.disk);
  }
}
