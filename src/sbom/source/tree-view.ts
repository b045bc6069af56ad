/**
 * One view of a {@link LayeredTree}: the filesystem after a given layer, as catalogers read it.
 * Links are followed the way a container sees them: absolute targets start at the image root,
 * never at the host's; a target that climbs above the root, or a chain longer than the kernel's
 * 40 hops, is not followed and is reported.
 * @module
 */
import { bufferContent, type CatalogFile, type FileResolver } from '../catalog/cataloger.js';
import { compileGlob, type Glob } from '../glob.js';
import { imagePath, type Content, type LayeredTree, type TreeNode } from './layered-tree.js';

const MAX_LINK_HOPS = 40;
const EMPTY = Buffer.alloc(0);
const NO_PATHS: ReadonlySet<string> = new Set();

/** A predicate over root-relative paths. */
export type PathMatcher = (path: string) => boolean;

/** The files one cataloger reads from a view. */
export interface FileSelector {
  /** Files chosen by their path. */
  matches: PathMatcher;
  /** Files chosen by their content for this tag (the cataloger's name), whatever their path. */
  tag?: string;
  /** The cataloger reads through `reader`: every file has one, and `content` is empty. */
  randomAccess?: boolean;
}

type FileNode = Extract<TreeNode, { kind: 'file' }>;

/** The bytes of a captured file, read whole from disk when they were kept out of memory. */
function bytesOf(content: Content): Buffer {
  return Buffer.isBuffer(content) ? content : content.readAll();
}

/** A file as a parser receives it. */
function catalogFile(path: string, layer: string | undefined, content: Content, randomAccess: boolean): CatalogFile {
  const where = layer === undefined ? { path } : { path, layer };
  if (randomAccess) return { ...where, content: EMPTY, reader: Buffer.isBuffer(content) ? bufferContent(content) : content };
  if (Buffer.isBuffer(content)) return { ...where, content };
  // A byte-reading parser reached a file kept out of memory (through a link): read it only if asked.
  return {
    ...where,
    get content() {
      return content.readAll();
    },
    reader: content,
  };
}

/** Removes a leading slash and `.` segments; `..` is kept for the resolver to judge. */
function segments(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '' && segment !== '.');
}

/** The filesystem of an image after layer `index` (or of a directory, index 0). */
export class TreeView implements FileResolver {
  private readonly globs = new Map<string, Glob>();

  constructor(
    private readonly tree: LayeredTree,
    readonly index: number,
  ) {}

  /** Root-relative path `path` leads to, following every link, or undefined. */
  resolveRelative(path: string, followLast = true): string | undefined {
    const pending = segments(path);
    const done: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const segment = pending.shift() as string;
      if (segment === '..') {
        if (done.length === 0) {
          // Resolver callers pass absolute paths, views root-relative ones: show both the same way.
          this.tree.warn('LINK_NOT_FOLLOWED', `${imagePath(path)} leads outside the root; not followed`, path);
          return undefined;
        }
        done.pop();
        continue;
      }
      done.push(segment);
      if (pending.length === 0 && !followLast) break;
      const node = this.tree.lookup(this.index, done.join('/'));
      if (node?.kind !== 'symlink') continue;
      if (++hops > MAX_LINK_HOPS) {
        this.tree.warn('LINK_NOT_FOLLOWED', `${imagePath(path)} has a symlink loop or a chain over ${MAX_LINK_HOPS} links; not followed`, path);
        return undefined;
      }
      done.pop();
      if (node.target.startsWith('/')) done.length = 0;
      pending.unshift(...segments(node.target));
    }
    return done.join('/');
  }

  resolve(path: string): string | undefined {
    const real = this.resolveRelative(path);
    return real === undefined ? undefined : `/${real}`;
  }

  read(path: string): Buffer | undefined {
    const real = this.resolveRelative(path);
    if (real === undefined) return undefined;
    const content = this.contentAt(real);
    return content === undefined ? undefined : bytesOf(content);
  }

  /** Content of the (link-free) path `real`, following a hard link within its layer. */
  private contentAt(real: string): Content | undefined {
    const node = this.tree.lookup(this.index, real);
    if (node === undefined) {
      // Nothing recorded: absent if the first pass wanted it, otherwise unknown until fetched.
      if (!this.tree.wantsPath(real)) this.tree.missing.add(real);
      return undefined;
    }
    if (node === null) return undefined;
    if (node.kind === 'file') return node.content;
    if (node.kind === 'hardlink') return this.hardLinkTarget(node)?.content;
    return undefined;
  }

  private hardLinkTarget(node: Extract<TreeNode, { kind: 'hardlink' }>): FileNode | undefined {
    const target = this.tree.nodeAt(node.layer, node.target);
    if (target?.kind === 'file') return target;
    if (target === undefined && !this.tree.searched.has(node.target)) this.tree.missing.add(node.target);
    return undefined;
  }

  glob(pattern: string): CatalogFile[] {
    let glob = this.globs.get(pattern);
    if (glob === undefined) {
      glob = compileGlob(pattern);
      this.globs.set(pattern, glob);
    }
    return this.files(glob.test.bind(glob));
  }

  /**
   * Visible files chosen by `selector` (a path matcher, or a matcher with a content tag), sorted
   * by path; each file is handed over once. Content rules choose regular files (and hard links to
   * them) only, as a link to an executable is the same executable. A symlink whose own path
   * matches stands for the file it leads to: when that file is chosen too, only the file is handed
   * over, under its own path (Debian's `lib.jar -> lib-1.2.jar` is one jar, not two); when it is
   * not, it is handed over once, under the first such link's path.
   */
  files(selector: PathMatcher | FileSelector): CatalogFile[] {
    const { matches, tag, randomAccess = false } = typeof selector === 'function' ? { matches: selector } : selector;
    const tagged = tag === undefined ? NO_PATHS : this.tree.taggedPaths(tag);
    const out: CatalogFile[] = [];
    /** Targets read through links, by their real path: the first link (by path) and what it leads to. */
    const throughLinks = new Map<string, { path: string; content: Content; layer: number }>();
    for (const path of this.tree.paths()) {
      const byName = matches(path);
      if (!byName && !tagged.has(path)) continue;
      const node = this.tree.lookup(this.index, path);
      if (node === undefined || node === null) continue;
      if (node.kind !== 'symlink') {
        const file = this.chosenFile(node, byName, tag);
        if (file !== undefined) out.push(catalogFile(`/${path}`, this.tree.layerIds[node.layer], file.content, randomAccess));
        continue;
      }
      if (!byName) continue;
      const real = this.resolveRelative(path);
      if (real === undefined) continue;
      const target = this.tree.lookup(this.index, real);
      // The real file is handed over on its own turn of this loop.
      if (target && this.chosenFile(target, matches(real), tag) !== undefined) continue;
      const content = this.contentAt(real);
      if (content === undefined) continue;
      const first = throughLinks.get(real);
      if (first === undefined || path < first.path) throughLinks.set(real, { path, content, layer: target ? target.layer : node.layer });
    }
    for (const { path, content, layer } of throughLinks.values()) {
      out.push(catalogFile(`/${path}`, this.tree.layerIds[layer], content, randomAccess));
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** The file `node` (a file, or a hard link to one) when it is chosen: by its name, or by content for `tag`. */
  private chosenFile(node: TreeNode, byName: boolean, tag: string | undefined): FileNode | undefined {
    const file = node.kind === 'file' ? node : node.kind === 'hardlink' ? this.hardLinkTarget(node) : undefined;
    if (file === undefined) return undefined;
    return byName || (tag !== undefined && file.tags.includes(tag)) ? file : undefined;
  }

  /**
   * A fingerprint of which version of each matching path this view sees; equal fingerprints in
   * two views mean a parser would return the same result for both. A matching symlink counts
   * with the version of the file it leads to, which a later layer may change without touching it.
   */
  fingerprint(matcher: PathMatcher, tag?: string): string {
    const tagged = tag === undefined ? NO_PATHS : this.tree.taggedPaths(tag);
    const parts: string[] = [];
    for (const path of this.tree.paths()) {
      const byName = matcher(path);
      if (!byName && !tagged.has(path)) continue;
      const node = this.tree.lookup(this.index, path);
      if (!node) continue;
      if (node.kind !== 'symlink' || !byName) {
        parts.push(`${path}@${node.layer}`);
        continue;
      }
      const real = this.resolveRelative(path);
      const target = real === undefined ? undefined : this.tree.lookup(this.index, real);
      parts.push(`${path}@${node.layer}->${real ?? ''}@${target ? target.layer : ''}`);
    }
    return parts.sort().join('\n');
  }
}
