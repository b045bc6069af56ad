/**
 * The one place that decides what becomes of a regular file a source meets: whether it is wanted
 * (for its path, or for its first bytes), whether it fits the size limits, and whether its bytes
 * are kept in memory or out of it (a temporary file for a layer stream, the file itself for a
 * directory). Images stream every file through a {@link CaptureSink}; directories ask the same
 * questions of the file on disk.
 * @module
 */
import type { Entry, LayeredTree } from './layered-tree.js';
import { BY_CONTENT } from './layered-tree.js';
import type { Want } from './selection.js';
import { SpillWriter, type SpillArea } from './spill-area.js';
import type { TarSink } from './tar-parser.js';

/** Bytes of random-access files held in memory so far; capturers of one scan may share it. */
export interface MemoryBudget {
  randomAccessBytes: number;
}

/** Decides on and keeps the files of one scan. */
export class Capturer {
  /**
   * @param tree where captured files are recorded
   * @param spill where large files of a layer stream go; without it they are skipped with a warning
   * @param budget the in-memory budget of random-access files, shared by the capturers of one scan
   *   (a stream records each layer in a tree of its own)
   */
  constructor(
    readonly tree: LayeredTree,
    readonly spill?: SpillArea,
    private readonly budget: MemoryBudget = { randomAccessBytes: 0 },
  ) {}

  /** Bytes of a file's start needed before deciding on it (0: the path alone decides). */
  sniffLength(size: number): number {
    return Math.min(this.tree.selection.sniffLength, size);
  }

  /**
   * Records a layer entry and returns the sink its bytes go to, or undefined when none are kept.
   * Used by a layer stream's first pass.
   */
  sink(layer: number, entry: Entry): TarSink | undefined {
    const candidate = this.tree.record(layer, entry);
    if (candidate === undefined) return undefined;
    const pathWant = candidate === BY_CONTENT ? undefined : candidate;
    const sniff = this.sniffLength(entry.size);
    if (sniff === 0 && pathWant === undefined) return undefined;
    const sink = new CaptureSink(this, layer, entry.path, entry.size, pathWant, sniff);
    return sink.skipped ? undefined : sink;
  }

  /**
   * What is wanted of a file of `size` bytes, given its path's want and its first bytes; warns
   * and returns undefined when it is wanted but too large.
   */
  decide(layer: number, path: string, size: number, pathWant: Want | undefined, head: Buffer): Want | undefined {
    const want = this.tree.selection.decide(pathWant, head);
    if (want === undefined) return undefined;
    if (size > want.max) {
      this.tree.warn('FILE_TOO_LARGE', `skipped /${path}: ${size} bytes is over the ${want.max}-byte limit`, path, layer);
      return undefined;
    }
    return want;
  }

  /**
   * True when a wanted file of `size` bytes is kept in memory: always for a reader that wants
   * bytes; for random-access readers, only a small file while their memory budget lasts.
   */
  keepInMemory(want: Want, size: number): boolean {
    if (!want.randomAccess) return true;
    const limits = this.tree.limits;
    if (size > limits.spillThreshold || this.budget.randomAccessBytes + size > limits.maxRandomAccessMemory) return false;
    this.budget.randomAccessBytes += size;
    return true;
  }

  /** A temporary file for `size` bytes, or undefined after warning why there is none. */
  spillWriter(layer: number, path: string, size: number): SpillWriter | undefined {
    if (this.spill === undefined) {
      this.tree.warn('FILE_TOO_LARGE', `skipped /${path}: ${size} bytes is over the in-memory limit and there is no temporary directory`, path, layer);
      return undefined;
    }
    const writer = this.spill.begin(size, `/${path}`);
    if (writer instanceof SpillWriter) return writer;
    const why =
      writer.reason === 'limit'
        ? `${size} bytes would take the temporary files past their ${writer.limit}-byte limit`
        : `cannot write a temporary file (${writer.message})`;
    this.tree.warn('FILE_TOO_LARGE', `skipped /${path}: ${why}`, path, layer);
    return undefined;
  }

  /** Reports a temporary file that failed while being written; the file is skipped. */
  spillFailed(layer: number, path: string, error: unknown): void {
    const message = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    this.tree.warn('FILE_TOO_LARGE', `skipped /${path}: cannot write a temporary file (${message})`, path, layer);
  }
}

/**
 * Receives one file's bytes from a layer stream: first the few bytes its content rules look at
 * (gathered across as many pieces as they arrive in), then, once the file is known to be wanted,
 * the rest into memory or into a temporary file.
 */
class CaptureSink implements TarSink {
  private head: Buffer | undefined;
  private headFill = 0;
  /** undefined: not decided yet; null: not kept. */
  private target: Buffer | SpillWriter | null | undefined;
  private fill = 0;
  private tags: readonly string[] = [];

  constructor(
    private readonly capturer: Capturer,
    private readonly layer: number,
    private readonly path: string,
    private readonly size: number,
    private readonly pathWant: Want | undefined,
    sniff: number,
  ) {
    if (sniff === 0) this.start(EMPTY);
    else this.head = Buffer.allocUnsafe(sniff);
  }

  /** True when the file was refused before any byte arrived. */
  get skipped(): boolean {
    return this.target === null;
  }

  write(data: Buffer): boolean {
    let offset = 0;
    if (this.target === undefined) {
      const head = this.head as Buffer;
      offset = Math.min(head.length - this.headFill, data.length);
      data.copy(head, this.headFill, 0, offset);
      this.headFill += offset;
      if (this.headFill < head.length) return true;
      this.start(head);
    }
    // Most files are not wanted once their first bytes are known: let the parser skip the rest.
    if (this.target === null) return false;
    if (offset < data.length) this.put(offset === 0 ? data : data.subarray(offset));
    return this.target !== null;
  }

  end(): void {
    if (this.target === undefined) this.start((this.head as Buffer).subarray(0, this.headFill));
    const target = this.target;
    if (target === null || target === undefined) return;
    const { tree } = this.capturer;
    if (Buffer.isBuffer(target)) {
      tree.capture(this.layer, this.path, target, this.tags);
      return;
    }
    let file;
    try {
      file = target.finish();
    } catch (error) {
      this.capturer.spillFailed(this.layer, this.path, error);
      return;
    }
    tree.capture(this.layer, this.path, file, this.tags);
  }

  /** Decides on the file once its first bytes are known, and keeps them if it is wanted. */
  private start(head: Buffer): void {
    const want = this.capturer.decide(this.layer, this.path, this.size, this.pathWant, head);
    if (want === undefined) {
      this.target = null;
      return;
    }
    this.tags = want.tags;
    if (this.capturer.keepInMemory(want, this.size)) {
      this.target = Buffer.allocUnsafe(this.size);
    } else {
      this.target = this.capturer.spillWriter(this.layer, this.path, this.size) ?? null;
      if (this.target === null) return;
    }
    this.head = undefined;
    if (head.length > 0) this.put(head);
  }

  private put(data: Buffer): void {
    const target = this.target as Buffer | SpillWriter;
    if (Buffer.isBuffer(target)) {
      data.copy(target, this.fill);
      this.fill += data.length;
      return;
    }
    try {
      target.write(data);
    } catch (error) {
      target.abandon();
      this.target = null;
      this.capturer.spillFailed(this.layer, this.path, error);
    }
  }
}

const EMPTY = Buffer.alloc(0);
