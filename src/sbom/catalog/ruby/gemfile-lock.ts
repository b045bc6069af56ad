/**
 * Bundler lockfiles (`Gemfile.lock`, `gems.locked`) in directories and lockfile sources. A gem
 * from a `GEM` or `GIT` section is a package, one per name and version: the platform variants
 * Bundler locks for a native gem (`nokogiri (1.16.7)`, `nokogiri (1.16.7-x86_64-linux)`) are one
 * `pkg:gem/nokogiri@1.16.7`, their platforms in metadata. A git gem has the version the lockfile
 * records, its repository and revision in metadata. Gems of a `PATH` section are local code, the
 * project's own gems: projects, like the Gemfile itself, whose direct dependencies are
 * `DEPENDENCIES`. Bundler is the tool that wrote the file (`BUNDLED WITH`), not a package. The
 * lockfile does not record Gemfile groups, so no package is marked dev.
 * @module
 */
import { posix } from 'node:path';
import { buildPurl } from '../../purl.js';
import type { CatalogContext, CatalogFile, CatalogResult, Cataloger, PackageDraft, ProjectDraft } from '../cataloger.js';
import { readGemLockfile, type GemLockfile, type LockedSpec } from './gemfile-lock-reader.js';

/** The Bundler lockfile cataloger (`ruby-gemfile-lock`). */
export const gemfileLockCataloger: Cataloger = {
  name: 'ruby-gemfile-lock',
  sources: ['directory', 'lockfile'],
  patterns: ['**/Gemfile.lock', '**/gems.locked'],
  // installed gems (vendor/bundle, a gem dir's gems/) ship the lockfiles of their own development
  exclude: ['**/vendor/bundle/**', '**/ruby/*/gems/**', '**/ruby/*/bundler/gems/**', '**/node_modules/**'],
  maxFileSize: 64 * 1024 * 1024,
  parse: parseGemLockfiles,
};

/** A gem name and version with every locked platform variant of it. */
interface GemEntry {
  ref: string;
  name: string;
  version: string;
  variants: LockedSpec[];
  /** True for gems of a `PATH` section: the project's own. */
  local: boolean;
}

function parseGemLockfiles(files: readonly CatalogFile[], context: CatalogContext): CatalogResult {
  const result: Required<CatalogResult> = { packages: [], relationships: [], projects: [] };
  for (const file of files) {
    try {
      readLockfile(file, context, result);
    } catch (error) {
      context.warn({ code: 'METADATA_UNPARSABLE', message: `unreadable Bundler lockfile: ${(error as Error).message}`, path: file.path });
    }
  }
  return result;
}

function readLockfile(file: CatalogFile, context: CatalogContext, result: Required<CatalogResult>): void {
  const warn = (message: string) => context.warn({ code: 'METADATA_UNPARSABLE', message, path: file.path });
  const skip = (message: string) => context.warn({ code: 'PACKAGE_SKIPPED', message, path: file.path });
  const lock = readGemLockfile(file.content.toString('utf8'));
  if (lock.specs.length === 0 && lock.dependencies.length === 0) {
    warn('not a Bundler lockfile: no locked gems and no DEPENDENCIES');
    return;
  }
  if (lock.unreadLines > 0) skip(`${lock.unreadLines} lines of the Bundler lockfile were not understood and were skipped`);

  const byName = new Map<string, GemEntry[]>();
  const entries = new Map<string, GemEntry>();
  for (const spec of lock.specs) {
    const local = spec.source.type === 'PATH';
    const key = `${local ? 'path' : 'gem'} ${spec.name} ${spec.version}`;
    let entry = entries.get(key);
    if (entry === undefined) {
      entry = { ref: `${file.path}#${key}`, name: spec.name, version: spec.version, variants: [], local };
      entries.set(key, entry);
      const list = byName.get(spec.name);
      if (list === undefined) byName.set(spec.name, [entry]);
      else list.push(entry);
    }
    entry.variants.push(spec);
  }

  const path = file.path;
  for (const entry of entries.values()) {
    if (entry.local) result.projects.push({ ref: entry.ref, name: entry.name, version: entry.version, purl: gemPurl(entry), locations: [{ path }] } satisfies ProjectDraft);
    else result.packages.push(makeDraft(entry, lock, path));
  }
  const gemfile: ProjectDraft = { ref: `${path}#Gemfile`, name: projectName(path), locations: [{ path }] };
  result.projects.push(gemfile);

  // a name Bundler did not lock (bundler itself, a gem only for platforms not locked) has no edge
  const link = (from: string, name: string, linked: Set<string>) => {
    const candidates = byName.get(name) ?? [];
    const target = candidates.length === 1 ? candidates[0] : undefined;
    if (target === undefined || target.local || target.ref === from || linked.has(target.ref)) return;
    linked.add(target.ref);
    result.relationships.push({ from, to: target.ref, type: 'depends-on' });
  };
  for (const entry of entries.values()) {
    const linked = new Set<string>();
    for (const variant of entry.variants) for (const name of variant.dependencies) link(entry.ref, name, linked);
  }
  const direct = new Set<string>();
  for (const name of lock.dependencies) link(gemfile.ref, name, direct);
}

function makeDraft(entry: GemEntry, lock: GemLockfile, path: string): PackageDraft {
  const first = entry.variants[0] as LockedSpec;
  const options = first.source.options;
  const metadata: Record<string, string> = {};
  if (first.source.type === 'GIT') {
    if (options.remote !== undefined) metadata.gitUrl = options.remote;
    if (options.revision !== undefined) metadata.gitCommit = options.revision;
    const reference = ['branch', 'tag', 'ref'].find((key) => options[key] !== undefined);
    if (reference !== undefined) metadata.gitReference = `${reference}=${options[reference]}`;
  } else if (options.remote !== undefined) {
    metadata.source = options.remote;
  }
  const platforms = [...new Set(entry.variants.map((variant) => variant.platform))].sort();
  if (platforms.some((platform) => platform !== 'ruby')) metadata.platform = platforms.join(',');
  const checksums = entry.variants.flatMap((variant) => {
    const checksum = lock.checksums.get(`${variant.name} (${variant.version}${variant.platform === 'ruby' ? '' : `-${variant.platform}`})`);
    return checksum === undefined ? [] : [`${variant.platform} ${checksum}`];
  });
  if (checksums.length === 1 && entry.variants.length === 1) metadata.checksum = (checksums[0] as string).split(' ')[1] as string;
  else if (checksums.length > 0) metadata.checksum = checksums.sort().join(', ');
  return { ref: entry.ref, name: entry.name, version: entry.version, type: 'ruby', purl: gemPurl(entry), licenses: [], metadata, locations: [{ path }] };
}

function gemPurl(entry: GemEntry): string {
  return buildPurl({ type: 'gem', name: entry.name, version: entry.version });
}

/** The Gemfile's project is named after its folder; a lockfile at the root has only its own name. */
function projectName(path: string): string {
  const folder = posix.basename(posix.dirname(path));
  return folder === '' || folder === '/' ? posix.basename(path).replace(/\.(lock|locked)$/, '') : folder;
}
