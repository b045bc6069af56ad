/**
 * What sealkit remembers of an image's layers: only the files catalogers asked for, every
 * link, and the deletions (whiteouts, opaque directories, a file replacing a directory) that
 * could hide them. From that record it answers, for any layer, "what does the filesystem
 * look like after this layer?" without ever holding the image's other files.
 * @module
 */
import { SourceError } from '../../errors.js';
import type { SbomWarning } from '../model.js';

/** A recorded path in one layer. */
export type TreeNode =
  | { kind: 'file'; layer: number; content: Buffer }
  | { kind: 'symlink'; layer: number; target: string }
  /** A hard link; `target` is root-relative and names a file of the same layer. */
  | { kind: 'hardlink'; layer: number; target: string }
  /** The path is deleted from the layers below. */
  | { kind: 'whiteout'; layer: number }
  /** A directory that replaces a non-directory of a lower layer. */
  | { kind: 'dir'; layer: number }
  /** A non-directory whose content was not kept (not wanted, too large). It still hides what is below. */
  | { kind: 'other'; layer: number };

/** The kind of a tar entry or directory entry, before whiteout interpretation. */
export type EntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

/** One entry as a layer scanner sees it; `path` is normalized and root-relative. */
export interface Entry {
  path: string;
  type: EntryType;
  size: number;
  /** Symlink target as written, or hard-link target (root-relative) for hard links. */
  linkTarget?: string;
}

/** How much of the image sealkit may keep in memory. */
export interface CaptureLimits {
  /** Total bytes of captured file contents. */
  maxTotalBytes: number;
  /** Recorded paths (captured files, links, deletions) across all layers. */
  maxRecords: number;
}

/** Defaults sized for the largest real images while keeping memory far below the image size. */
export const DEFAULT_LIMITS: CaptureLimits = { maxTotalBytes: 512 * 1024 * 1024, maxRecords: 2_000_000 };

/** Decides, per root-relative path, the largest file to capture, or undefined when unwanted. */
export type Wants = (path: string) => number | undefined;

interface LayerRecord {
  nodes: Map<string, TreeNode>;
  /** Directories marked opaque in this layer: lower layers contribute nothing below them. */
  opaque: Set<string>;
  /** Whether this layer deletes anything (lets lookups skip the ancestor walk). */
  deletes: boolean;
}

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/** The parent of a root-relative path (`''` for top-level entries). */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

/** Records layers as they stream by and answers questions about any layer's view. */
export class LayeredTree {
  private readonly records: LayerRecord[] = [];
  /** Every path recorded in any layer, with its versions by layer (ascending). */
  private readonly versions = new Map<string, TreeNode[]>();
  /** Proper ancestors of recorded paths: a non-directory entry there hides recorded content. */
  private readonly ancestors = new Set<string>();
  /** Paths fetched by a second pass: when still unrecorded they are known to be absent. */
  readonly searched = new Set<string>();
  /** Paths a view needed but had no content for; a second pass may fetch them. */
  readonly missing = new Set<string>();
  readonly warnings: SbomWarning[] = [];
  private totalBytes = 0;
  private recordCount = 0;

  /**
   * @param layerIds diffID of each layer (undefined for a directory source)
   * @param wants what the first pass captures; a path it wants but did not capture is absent
   */
  constructor(
    readonly layerIds: ReadonlyArray<string | undefined>,
    readonly wants: Wants,
    private readonly limits: CaptureLimits = DEFAULT_LIMITS,
  ) {
    for (let i = 0; i < layerIds.length; i++) this.records.push({ nodes: new Map(), opaque: new Set(), deletes: false });
  }

  get layerCount(): number {
    return this.records.length;
  }

  /** All recorded paths (any layer). */
  paths(): IterableIterator<string> {
    return this.versions.keys();
  }

  /** The recorded versions of `path`, lowest layer first. */
  versionsOf(path: string): readonly TreeNode[] {
    return this.versions.get(path) ?? [];
  }

  /** The node recorded at `path` in exactly `layer`, if any. */
  nodeAt(layer: number, path: string): TreeNode | undefined {
    return this.records[layer]?.nodes.get(path);
  }

  /**
   * Records one entry of `layer` during a first pass. Returns the largest number of bytes to
   * capture when the caller should read the entry's content and hand it to {@link capture}.
   */
  record(layer: number, entry: Entry): number | undefined {
    const slash = entry.path.lastIndexOf('/');
    const name = entry.path.slice(slash + 1);
    if (name.startsWith(WHITEOUT)) {
      const dir = entry.path.slice(0, Math.max(slash, 0));
      if (name === OPAQUE) {
        const record = this.records[layer] as LayerRecord;
        record.opaque.add(dir);
        record.deletes = true;
        this.count(layer, entry.path);
      } else if (!name.startsWith(`${WHITEOUT}${WHITEOUT}`)) {
        // `.wh..wh.*` other than the opaque marker are aufs bookkeeping, not deletions.
        this.set(layer, dir === '' ? name.slice(WHITEOUT.length) : `${dir}/${name.slice(WHITEOUT.length)}`, {
          kind: 'whiteout',
          layer,
        });
      }
      return undefined;
    }
    switch (entry.type) {
      case 'symlink':
        this.set(layer, entry.path, { kind: 'symlink', layer, target: entry.linkTarget ?? '' });
        return undefined;
      case 'hardlink':
        this.set(layer, entry.path, { kind: 'hardlink', layer, target: entry.linkTarget ?? '' });
        return undefined;
      case 'directory':
        // A directory only matters where it replaces something recorded below.
        if (this.versions.has(entry.path)) this.set(layer, entry.path, { kind: 'dir', layer });
        return undefined;
      case 'file': {
        const max = this.wants(entry.path);
        if (max !== undefined) {
          if (entry.size <= max) return max;
          this.warn('FILE_TOO_LARGE', `skipped /${entry.path}: ${entry.size} bytes is over the ${max}-byte limit`, entry.path, layer);
        }
        this.markReplacement(layer, entry.path);
        return undefined;
      }
      case 'other':
        this.markReplacement(layer, entry.path);
        return undefined;
    }
  }

  /**
   * Records an entry during a second pass that fetches `wanted` paths only: their content, and
   * the non-directories that could hide them. Links and deletions were recorded by the first pass.
   */
  recordFetch(layer: number, entry: Entry, wanted: ReadonlySet<string>, wantedAncestors: ReadonlySet<string>): boolean {
    const known = this.records[layer]?.nodes.get(entry.path);
    if (entry.type === 'file' && wanted.has(entry.path) && (known === undefined || known.kind === 'other')) return true;
    if (entry.type !== 'directory' && known === undefined && wantedAncestors.has(entry.path)) {
      this.set(layer, entry.path, { kind: 'other', layer });
    }
    return false;
  }

  /** Stores the content of a file {@link record} asked to capture. */
  capture(layer: number, path: string, content: Buffer): void {
    this.totalBytes += content.length;
    if (this.totalBytes > this.limits.maxTotalBytes) {
      throw this.limitError(`captured metadata exceeds ${this.limits.maxTotalBytes} bytes`);
    }
    this.set(layer, path, { kind: 'file', layer, content });
  }

  /** A non-directory where a recorded path or one of its ancestors was: it replaces them. */
  private markReplacement(layer: number, path: string): void {
    if (this.versions.has(path) || this.ancestors.has(path)) this.set(layer, path, { kind: 'other', layer });
  }

  private set(layer: number, path: string, node: TreeNode): void {
    const record = this.records[layer] as LayerRecord;
    const previous = record.nodes.get(path);
    record.nodes.set(path, node);
    if (node.kind === 'whiteout' || node.kind === 'other' || node.kind === 'symlink' || node.kind === 'hardlink') {
      record.deletes = true;
    }
    const list = this.versions.get(path);
    if (list === undefined) {
      this.versions.set(path, [node]);
      for (let dir = parentOf(path); dir !== '' && !this.ancestors.has(dir); dir = parentOf(dir)) this.ancestors.add(dir);
    } else if (previous !== undefined) {
      list[list.indexOf(previous)] = node;
    } else {
      list.push(node);
      list.sort((a, b) => a.layer - b.layer);
    }
    if (previous === undefined) this.count(layer, path);
  }

  private count(layer: number, path: string): void {
    if (++this.recordCount > this.limits.maxRecords) {
      throw this.limitError(`more than ${this.limits.maxRecords} recorded paths (at /${path} in layer ${layer})`);
    }
  }

  private limitError(message: string): SourceError {
    return new SourceError('LIMIT_EXCEEDED', `${message}; the image is too large or hostile for the configured limits`);
  }

  /** Adds a warning once per (code, path, layer). */
  warn(code: SbomWarning['code'], message: string, path?: string, layer?: number): void {
    const layerId = layer === undefined ? undefined : this.layerIds[layer];
    const fullPath = path === undefined ? undefined : `/${path}`;
    if (this.warnings.some((w) => w.code === code && w.path === fullPath && w.layer === layerId)) return;
    this.warnings.push({
      code,
      message,
      ...(fullPath !== undefined ? { path: fullPath } : {}),
      ...(layerId !== undefined ? { layer: layerId } : {}),
    });
  }

  /**
   * The node `path` has in the view after applying layers 0..`view`, without following links:
   * a node, `null` when the path is known to be absent, or undefined when nothing was recorded.
   */
  lookup(view: number, path: string): TreeNode | null | undefined {
    for (let layer = view; layer >= 0; layer--) {
      const record = this.records[layer] as LayerRecord;
      const node = record.nodes.get(path);
      if (node !== undefined) return node.kind === 'whiteout' ? null : node;
      if (record.deletes && this.hiddenBelow(record, path)) return null;
    }
    return this.searched.has(path) ? null : undefined;
  }

  /** True when `record` deletes or replaces an ancestor of `path`, hiding lower layers' copies. */
  private hiddenBelow(record: LayerRecord, path: string): boolean {
    for (let dir = parentOf(path); ; dir = parentOf(dir)) {
      if (record.opaque.has(dir)) return true;
      if (dir === '') return false;
      const node = record.nodes.get(dir);
      if (node !== undefined && node.kind !== 'dir') return true;
    }
  }
}
