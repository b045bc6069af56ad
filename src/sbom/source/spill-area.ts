/**
 * Temporary files for captured files too large to keep in memory. The directory is private
 * (`mkdtemp`, mode 0700), made on the first spill only, and removed whole by {@link SpillArea.dispose},
 * which `generateSbom` calls however it ends (and which runs at process exit for an area still
 * alive then). A signal that kills the process leaves it behind: callers that handle SIGINT
 * should abort the scan instead. The bytes on disk at once are bounded.
 * @module
 */
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescriptorPool, ExternalFile } from './external-file.js';

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

/** The temporary files of one `generateSbom` call. */
export class SpillArea {
  private dir: string | undefined;
  private used = 0;
  private next = 0;
  private disposed = false;
  /** Writers still open, closed by {@link dispose} when a scan stops halfway through a file. */
  private readonly writing = new Set<SpillWriter>();
  readonly pool = new DescriptorPool();

  /**
   * @param maxBytes bytes that may be spilled at once
   * @param parent where the private directory is made (default: the OS temporary directory)
   */
  constructor(
    readonly maxBytes: number,
    private readonly parent: string = tmpdir(),
  ) {}

  /** Bytes spilled and not yet released. */
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
    if (this.used + size > this.maxBytes) return { reason: 'limit', limit: this.maxBytes };
    let path: string;
    let fd: number;
    try {
      if (this.dir === undefined) {
        this.dir = mkdtempSync(join(this.parent, 'sealkit-spill-'));
        removeOnExit(this);
      }
      path = join(this.dir, String(this.next++));
      fd = openSync(path, 'wx', 0o600);
    } catch (error) {
      return { reason: 'error', message: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
    }
    this.used += size;
    const writer = new SpillWriter(this, fd, path, size, label);
    this.writing.add(writer);
    return writer;
  }

  /** Called by a writer once its descriptor is closed. */
  closed(writer: SpillWriter): void {
    this.writing.delete(writer);
  }

  /** Gives back the bytes of a spilled file and removes it. */
  release(path: string, size: number): void {
    this.pool.forget(path);
    if (this.disposed) return;
    this.used -= size;
    try {
      unlinkSync(path);
    } catch {
      // Already gone with the directory; nothing is left to free.
    }
  }

  /** Closes every descriptor and removes the directory with everything in it. Idempotent. */
  dispose(): void {
    this.disposed = true;
    for (const writer of this.writing) writer.abandon();
    this.pool.closeAll();
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
    live.delete(this);
    this.used = 0;
  }
}

/** Writes one spilled file as its bytes stream by. */
export class SpillWriter {
  private written = 0;
  private fd: number | undefined;

  constructor(
    private readonly area: SpillArea,
    fd: number,
    private readonly path: string,
    readonly size: number,
    private readonly label: string,
  ) {
    this.fd = fd;
  }

  /** Appends `data` (a view the caller may reuse). Throws the system error when the disk refuses. */
  write(data: Buffer): void {
    const fd = this.fd as number;
    let done = 0;
    while (done < data.length) {
      done += writeSync(fd, data, done, data.length - done, this.written + done);
    }
    this.written += data.length;
  }

  /** The file, readable, once all `size` bytes were written. */
  finish(): SpilledFile {
    this.close();
    if (this.written !== this.size) {
      this.area.release(this.path, this.size);
      throw new Error(`spilled ${this.written} of ${this.size} bytes of ${this.label}`);
    }
    return new SpilledFile(this.area, this.path, this.size, this.label);
  }

  /** Gives up: the partial file is removed and its bytes given back. */
  abandon(): void {
    this.close();
    this.area.release(this.path, this.size);
  }

  private close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    this.area.closed(this);
  }
}

/** A spilled file, read back with positional reads; released early when no view can see it. */
export class SpilledFile extends ExternalFile {
  constructor(
    private readonly area: SpillArea,
    hostPath: string,
    size: number,
    label: string,
  ) {
    super(area.pool, hostPath, size, label);
  }

  protected override onRelease(): void {
    this.area.release(this.hostPath, this.size);
  }
}
