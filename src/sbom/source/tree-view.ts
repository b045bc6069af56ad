/**
 * One view of a {@link LayeredTree}: the filesystem after a given layer, as catalogers read it.
 * Links are followed the way a container sees them: absolute targets start at the image root,
 * never at the host's; a target that climbs above the root, or a chain longer than the kernel's
 * 40 hops, is not followed and is reported.
 * @module
 */
import type { CatalogFile, FileResolver } from '../catalog/cataloger.js';
import { compileGlob, type Glob } from '../glob.js';
import type { LayeredTree, TreeNode } from './layered-tree.js';

const MAX_LINK_HOPS = 40;

/** A predicate over root-relative paths. */
export type PathMatcher = (path: string) => boolean;

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
          this.tree.warn('LINK_NOT_FOLLOWED', `/${path} leads outside the root; not followed`, path);
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
        this.tree.warn('LINK_NOT_FOLLOWED', `/${path} has a symlink loop or a chain over ${MAX_LINK_HOPS} links; not followed`, path);
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
    return real === undefined ? undefined : this.contentAt(real);
  }

  /** Content of the (link-free) path `real`, following a hard link within its layer. */
  private contentAt(real: string): Buffer | undefined {
    const node = this.tree.lookup(this.index, real);
    if (node === undefined) {
      // Nothing recorded: absent if the first pass wanted it, otherwise unknown until fetched.
      if (this.tree.wants(real) === undefined) this.tree.missing.add(real);
      return undefined;
    }
    if (node === null) return undefined;
    if (node.kind === 'file') return node.content;
    if (node.kind === 'hardlink') return this.hardLinkContent(node);
    return undefined;
  }

  private hardLinkContent(node: Extract<TreeNode, { kind: 'hardlink' }>): Buffer | undefined {
    const target = this.tree.nodeAt(node.layer, node.target);
    if (target?.kind === 'file') return target.content;
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
   * Visible files whose own path matches `matcher`, sorted by path. A matching symlink yields
   * the file it leads to, under the symlink's path.
   */
  files(matcher: PathMatcher): CatalogFile[] {
    const out: CatalogFile[] = [];
    for (const path of this.tree.paths()) {
      if (!matcher(path)) continue;
      const node = this.tree.lookup(this.index, path);
      if (node === undefined || node === null) continue;
      let content: Buffer | undefined;
      let layer = node.layer;
      if (node.kind === 'file') content = node.content;
      else if (node.kind === 'hardlink') content = this.hardLinkContent(node);
      else if (node.kind === 'symlink') {
        const real = this.resolveRelative(path);
        if (real === undefined) continue;
        content = this.contentAt(real);
        const target = this.tree.lookup(this.index, real);
        if (target) layer = target.layer;
      }
      if (content === undefined) continue;
      const id = this.tree.layerIds[layer];
      out.push(id === undefined ? { path: `/${path}`, content } : { path: `/${path}`, layer: id, content });
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /**
   * A fingerprint of which version of each matching path this view sees; equal fingerprints in
   * two views mean a parser would return the same result for both.
   */
  fingerprint(matcher: PathMatcher): string {
    const parts: string[] = [];
    for (const path of this.tree.paths()) {
      if (!matcher(path)) continue;
      const node = this.tree.lookup(this.index, path);
      if (node) parts.push(`${path}@${node.layer}`);
    }
    return parts.sort().join('\n');
  }
}
