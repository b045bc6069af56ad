/**
 * An in-memory {@link FileResolver} for cataloger tests: files and symbolic links by absolute
 * path, links followed inside the root the way the image and directory sources do. Also loads a
 * fixture folder from disk (keeping its links) and runs a cataloger over it the way the pipeline
 * does: matching files, minus excluded ones, sorted by path, in one parse call.
 */
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { CatalogFile, CatalogResult, Cataloger, FileResolver } from '../../../src/sbom/catalog/cataloger.js';
import { compileGlob } from '../../../src/sbom/glob.js';
import type { Distro, SbomWarning } from '../../../src/sbom/model.js';

/** A file's content, or a link to another path (relative to the link's folder, or absolute). */
export type MemoryEntry = string | Buffer | { link: string };

const MAX_LINKS = 40;

export class MemoryResolver implements FileResolver {
  private readonly files = new Map<string, Buffer>();
  private readonly links = new Map<string, string>();
  private readonly dirs = new Set<string>(['/']);

  constructor(entries: Record<string, MemoryEntry> = {}) {
    for (const [path, entry] of Object.entries(entries)) this.set(path, entry);
  }

  /** Adds or replaces one entry. */
  set(path: string, entry: MemoryEntry): this {
    const absolute = normalize(path);
    if (typeof entry === 'object' && !Buffer.isBuffer(entry)) this.links.set(absolute, entry.link);
    else this.files.set(absolute, Buffer.isBuffer(entry) ? entry : Buffer.from(entry, 'utf8'));
    for (let dir = posix.dirname(absolute); dir !== '/'; dir = posix.dirname(dir)) this.dirs.add(dir);
    return this;
  }

  /** Loads every file and link under `root` on disk, as if `root` were `/`. */
  static async fromDirectory(root: string): Promise<MemoryResolver> {
    const resolver = new MemoryResolver();
    const walk = async (dir: string, prefix: string): Promise<void> => {
      for (const name of (await readdir(dir)).sort()) {
        const full = join(dir, name);
        const path = `${prefix}/${name}`;
        const stat = await lstat(full);
        if (stat.isSymbolicLink()) resolver.set(path, { link: await readlink(full) });
        else if (stat.isDirectory()) await walk(full, path);
        else if (stat.isFile()) resolver.set(path, await readFile(full));
      }
    };
    await walk(root, '');
    return resolver;
  }

  read(path: string): Buffer | undefined {
    const resolved = this.resolve(path);
    return resolved === undefined ? undefined : this.files.get(resolved);
  }

  resolve(path: string): string | undefined {
    const resolved = this.follow(normalize(path));
    if (resolved === undefined) return undefined;
    return this.files.has(resolved) || this.dirs.has(resolved) ? resolved : undefined;
  }

  glob(pattern: string): CatalogFile[] {
    const glob = compileGlob(pattern);
    return [...this.files.keys()]
      .filter((path) => glob.test(path.slice(1)))
      .sort()
      .map((path) => ({ path, content: this.files.get(path) as Buffer }));
  }

  /** Every file path (links excluded), sorted. */
  paths(): string[] {
    return [...this.files.keys()].sort();
  }

  /** Follows links in every segment of `path`; undefined on a loop or an escape from the root. */
  private follow(path: string): string | undefined {
    let segments = path.split('/').filter((s) => s !== '');
    let hops = 0;
    for (let i = 0; i < segments.length; i++) {
      const prefix = `/${segments.slice(0, i + 1).join('/')}`;
      const target = this.links.get(prefix);
      if (target === undefined) continue;
      if (++hops > MAX_LINKS) return undefined;
      const base = target.startsWith('/') ? target : posix.join(posix.dirname(prefix), target);
      // links cannot leave the root: `..` above `/` stays at `/`, as in a chroot
      segments = [...normalize(base).split('/').filter((s) => s !== ''), ...segments.slice(i + 1)];
      i = -1;
    }
    return `/${segments.join('/')}`;
  }
}

function normalize(path: string): string {
  return posix.normalize(`/${path}`).replace(/\/+$/, '') || '/';
}

/** What {@link runCataloger} returns. */
export interface CatalogRun extends CatalogResult {
  warnings: SbomWarning[];
  /** Paths handed to the parser. */
  files: string[];
}

/** Runs `cataloger` over every matching file of `resolver`, as the pipeline does for one view. */
export function runCataloger(cataloger: Cataloger, resolver: MemoryResolver, distro?: Distro): CatalogRun {
  const patterns = cataloger.patterns.map(compileGlob);
  const excluded = (cataloger.exclude ?? []).map(compileGlob);
  const files = resolver
    .paths()
    .filter((path) => {
      const relative = path.slice(1);
      return patterns.some((glob) => glob.test(relative)) && !excluded.some((glob) => glob.test(relative));
    })
    .map((path) => ({ path, content: resolver.read(path) as Buffer }));
  const warnings: SbomWarning[] = [];
  const result = cataloger.parse(files, { resolver, distro, warn: (warning) => warnings.push(warning) });
  return { ...result, warnings, files: files.map((file) => file.path) };
}
