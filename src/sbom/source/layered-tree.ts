/**
 * What sealkit remembers of an image's layers: only the files catalogers asked for, every
 * link, and the deletions (whiteouts, opaque directories, a file replacing a directory) that
 * could hide them. From that record it answers, for any layer, "what does the filesystem
 * look like after this layer?" without ever holding the image's other files.
 * @module
 */
import { SourceError } from '../../errors.js';
import type { SbomWarning } from '../model.js';
import type { ExternalFile } from './external-file.js';
import type { LayerPaths } from './path-digests.js';
import type { Selection, Want } from './selection.js';

/** A captured file's bytes: in memory, or on disk (spilled, or in place in a directory). */
export type Content = Buffer | ExternalFile;

/** A recorded path in one layer. */
export type TreeNode =
  /** A captured file; `tags` name the catalogers that chose it by its content. */
  | { kind: 'file'; layer: number; content: Content; tags: readonly string[] }
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

/** How much of the image sealkit may keep in memory and in temporary files. */
export interface CaptureLimits {
  /** Total bytes of captured file contents held in memory (spilled bytes do not count). */
  maxTotalBytes: number;
  /** Recorded paths (captured files, links, deletions) across all layers. */
  maxRecords: number;
  /**
   * A file of a random-access cataloger larger than this is not held in memory: it is spilled to
   * a temporary file (images) or read in place (directories).
   */
  spillThreshold: number;
  /**
   * Bytes of random-access files held in memory in all; past it smaller ones are kept out of
   * memory too, so memory stays flat however many executables an image holds.
   */
  maxRandomAccessMemory: number;
  /** Bytes in temporary files at once; a file that would pass it is skipped with FILE_TOO_LARGE. */
  maxSpillBytes: number;
}

/** Defaults sized for the largest real images while keeping memory far below the image size. */
export const DEFAULT_LIMITS: CaptureLimits = {
  maxTotalBytes: 512 * 1024 * 1024,
  maxRecords: 2_000_000,
  // Random-access readers pay a system call per read for a file out of memory, not a copy of it:
  // a small budget keeps peak memory flat however many executables and archives an image has.
  spillThreshold: 1024 * 1024,
  maxRandomAccessMemory: 2 * 1024 * 1024,
  maxSpillBytes: 4 * 1024 * 1024 * 1024,
};

/** What {@link LayeredTree.record} answers for a regular file only its first bytes can decide on. */
export const BY_CONTENT = 'by-content';

/** A regular file worth reading: wanted for its path, or maybe for its content. */
export type Candidate = Want | typeof BY_CONTENT;

/** How a tree treats what it records. */
export interface TreeOptions {
  /**
   * Only the last layer's view is reported (squashed scope): a file kept out of memory that a
   * later layer deletes or replaces is released at once, since no reported view can see it.
   */
  releaseHidden?: boolean;
}

type FileNode = Extract<TreeNode, { kind: 'file' }>;

/** A captured file kept out of memory, tracked until a later layer hides it. */
interface ExternalItem {
  path: string;
  node: FileNode;
}

interface LayerRecord {
  nodes: Map<string, TreeNode>;
  /** Directories marked opaque in this layer: lower layers contribute nothing below them. */
  opaque: Set<string>;
  /** Whether this layer deletes anything (lets lookups skip the ancestor walk). */
  deletes: boolean;
}

const WHITEOUT = '.wh.';
const NO_TAGS: readonly string[] = Object.freeze([]);
const EMPTY_SET: ReadonlySet<string> = new Set();
const OPAQUE = '.wh..wh..opq';

/** How a path inside the source is shown: absolute, with exactly one leading slash. */
export function imagePath(path: string): string {
  let start = 0;
  while (path.charCodeAt(start) === 0x2f) start++;
  return `/${path.slice(start)}`;
}

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
  /** Paths with a version some cataloger chose by content, by tag. */
  private readonly tagged = new Map<string, Set<string>>();
  /** Captured files kept out of memory that may still be released early. */
  private readonly external = new Set<ExternalItem>();
  private readonly externalAt = new Map<string, ExternalItem[]>();
  /** Only a later layer can hide them: entries of this layer or lower need no look. */
  private lowestExternalLayer = Infinity;
  /** `layer\0path` of every hard-link target: such a file stays readable through the link. */
  private readonly linkTargets = new Set<string>();

  /**
   * @param layerIds diffID of each layer (undefined for a directory source)
   * @param selection what the first pass captures; a path it wants but did not capture is absent
   */
  constructor(
    readonly layerIds: ReadonlyArray<string | undefined>,
    readonly selection: Selection,
    readonly limits: CaptureLimits = DEFAULT_LIMITS,
    private readonly options: TreeOptions = {},
  ) {
    for (let i = 0; i < layerIds.length; i++) this.records.push({ nodes: new Map(), opaque: new Set(), deletes: false });
  }

  /** True when the first pass captures `path` for its name, so a path it did not record is absent. */
  wantsPath(path: string): boolean {
    return this.selection.byPath(path) !== undefined;
  }

  /** Paths some version of which a cataloger tagged `tag` chose by content. */
  taggedPaths(tag: string): ReadonlySet<string> {
    return this.tagged.get(tag) ?? EMPTY_SET;
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
   * Records one entry of `layer` during a first pass. For a regular file worth reading, returns
   * what its path wants, or {@link BY_CONTENT} when only its first bytes can tell; the caller
   * then decides on size and storage and hands what it kept to {@link capture}.
   */
  record(layer: number, entry: Entry): Candidate | undefined {
    const slash = entry.path.lastIndexOf('/');
    const name = entry.path.slice(slash + 1);
    if (name.startsWith(WHITEOUT)) {
      const dir = entry.path.slice(0, Math.max(slash, 0));
      if (name === OPAQUE) {
        const record = this.records[layer] as LayerRecord;
        record.opaque.add(dir);
        record.deletes = true;
        this.count(layer, entry.path);
        if (this.external.size > 0 && layer > this.lowestExternalLayer) this.releaseHidden(layer, dir, 'opaque');
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
      case 'hardlink': {
        const target = entry.linkTarget ?? '';
        this.linkTargets.add(`${layer}\u0000${target}`);
        this.set(layer, entry.path, { kind: 'hardlink', layer, target });
        // A link to a file chosen by content is that file: chosen too (the target comes first in a tar).
        const file = this.records[layer]?.nodes.get(target);
        if (file?.kind === 'file') this.tag(entry.path, file.tags);
        return undefined;
      }
      case 'directory':
        // A directory only matters where it replaces something recorded below.
        if (this.versions.has(entry.path)) this.set(layer, entry.path, { kind: 'dir', layer });
        return undefined;
      case 'file': {
        // Until its content is captured the file counts as unread; a capture replaces this record.
        this.markReplacement(layer, entry.path);
        const want = this.selection.byPath(entry.path);
        if (want !== undefined) return want;
        return this.selection.sniffLength > 0 ? BY_CONTENT : undefined;
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

  /**
   * Records in `layer` a layer that was recorded on its own, in `blob` (a one-layer tree with this
   * tree's selection), before its place in the image was known: a stream may carry layers before
   * the manifest that orders them. `entries` holds the path of every entry that layer had, so
   * what it replaced among the paths the layers below recorded is decided here, as {@link record}
   * decides it for an entry that streams by in order. Layers are adopted in order, lowest first.
   * `blob` is left as it was; its files are shared, not copied (one layer may be listed twice).
   */
  adopt(layer: number, blob: LayeredTree, entries: LayerPaths): void {
    const own = blob.records[0] as LayerRecord;
    const replaced: Array<[string, TreeNode]> = [];
    for (const path of this.versions.keys()) {
      if (own.nodes.has(path)) continue;
      if (entries.nonDirectories.has(path)) replaced.push([path, { kind: 'other', layer }]);
      else if (entries.directories.has(path)) replaced.push([path, { kind: 'dir', layer }]);
    }
    for (const path of this.ancestors) {
      if (!own.nodes.has(path) && !this.versions.has(path) && entries.nonDirectories.has(path)) replaced.push([path, { kind: 'other', layer }]);
    }
    for (const [path, node] of replaced) this.set(layer, path, node);
    const record = this.records[layer] as LayerRecord;
    for (const dir of own.opaque) {
      record.opaque.add(dir);
      record.deletes = true;
      this.count(layer, dir === '' ? OPAQUE : `${dir}/${OPAQUE}`);
    }
    for (const [path, node] of own.nodes) {
      if (node.kind === 'file') {
        this.capture(layer, path, node.content, node.tags);
        continue;
      }
      if (node.kind === 'hardlink') this.linkTargets.add(`${layer}\u0000${node.target}`);
      this.set(layer, path, { ...node, layer });
    }
    for (const [tag, paths] of blob.tagged) for (const path of paths) this.tag(path, [tag]);
    for (const warning of blob.warnings) this.warn(warning.code, warning.message, warning.path, layer);
  }

  /** Bytes of captured file contents held in memory. */
  get capturedBytes(): number {
    return this.totalBytes;
  }

  /** Paths recorded so far (files, links, deletions), counted against `maxRecords`. */
  get recordedPaths(): number {
    return this.recordCount;
  }

  /** Releases every captured file kept out of memory: for a tree no view will read. */
  releaseExternal(): void {
    for (const record of this.records) {
      for (const node of record.nodes.values()) if (node.kind === 'file' && !Buffer.isBuffer(node.content)) node.content.release();
    }
  }

  /** Stores the content of a file {@link record} asked about; `tags` name who chose it by content. */
  capture(layer: number, path: string, content: Content, tags: readonly string[] = NO_TAGS): void {
    if (Buffer.isBuffer(content)) {
      this.totalBytes += content.length;
      if (this.totalBytes > this.limits.maxTotalBytes) {
        throw this.limitError(`captured metadata exceeds ${this.limits.maxTotalBytes} bytes`);
      }
    }
    const node: FileNode = { kind: 'file', layer, content, tags };
    this.set(layer, path, node);
    this.tag(path, tags);
    if (!Buffer.isBuffer(content) && this.options.releaseHidden) {
      const item = { path, node };
      this.external.add(item);
      const siblings = this.externalAt.get(path);
      if (siblings === undefined) this.externalAt.set(path, [item]);
      else siblings.push(item);
      this.lowestExternalLayer = Math.min(this.lowestExternalLayer, layer);
    }
  }

  private tag(path: string, tags: readonly string[]): void {
    for (const tag of tags) {
      let paths = this.tagged.get(tag);
      if (paths === undefined) this.tagged.set(tag, (paths = new Set()));
      paths.add(path);
    }
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
    // An external file replaced within its own layer can never be read again, whatever the scope.
    if (previous?.kind === 'file' && !Buffer.isBuffer(previous.content)) previous.content.release();
    if (this.external.size > 0 && layer > this.lowestExternalLayer) this.releaseHidden(layer, path, node);
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

  /**
   * Releases the files kept out of memory that `node`, recorded at `path` in `layer`, hides from
   * every later view: an older version of the path, and for a deletion or a non-directory,
   * everything below it. A hard-link target stays: the link may still show it.
   */
  private releaseHidden(layer: number, path: string, node: TreeNode | 'opaque'): void {
    const hidden = (item: ExternalItem) => item.node.layer < layer && !this.linkTargets.has(`${item.node.layer}\u0000${item.path}`);
    if (node !== 'opaque') {
      // A copy: dropping an item takes it out of the list being walked.
      for (const item of [...(this.externalAt.get(path) ?? [])]) if (hidden(item)) this.dropContent(item);
    }
    // Only deletions and non-directories hide a subtree; they are rare next to plain files.
    if (node !== 'opaque' && (node.kind === 'file' || node.kind === 'dir')) return;
    const prefix = path === '' ? '' : `${path}/`;
    for (const item of this.external) if (item.path.startsWith(prefix) && hidden(item)) this.dropContent(item);
  }

  /** Frees a captured file's bytes; its record stays, as it still hides lower layers. */
  private dropContent(item: ExternalItem): void {
    const { node, path } = item;
    this.external.delete(item);
    const siblings = this.externalAt.get(path);
    if (siblings !== undefined) {
      siblings.splice(siblings.indexOf(item), 1);
      if (siblings.length === 0) this.externalAt.delete(path);
    }
    if (!Buffer.isBuffer(node.content)) node.content.release();
    const record = this.records[node.layer] as LayerRecord;
    if (record.nodes.get(path) !== node) return;
    const other: TreeNode = { kind: 'other', layer: node.layer };
    record.nodes.set(path, other);
    const list = this.versions.get(path);
    if (list !== undefined) list[list.indexOf(node)] = other;
  }

  private count(layer: number, path: string): void {
    if (++this.recordCount > this.limits.maxRecords) {
      throw this.limitError(`more than ${this.limits.maxRecords} recorded paths (at /${path} in layer ${layer})`);
    }
  }

  private limitError(message: string): SourceError {
    return new SourceError('LIMIT_EXCEEDED', `${message}; the image is too large or hostile for the configured limits`);
  }

  /** Adds a warning once per (code, path, layer); `path` is root-relative (a leading slash is tolerated). */
  warn(code: SbomWarning['code'], message: string, path?: string, layer?: number): void {
    const layerId = layer === undefined ? undefined : this.layerIds[layer];
    const fullPath = path === undefined ? undefined : imagePath(path);
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
