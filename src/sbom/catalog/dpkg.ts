/**
 * Debian packages from the dpkg database: `/var/lib/dpkg/status`, and the one-file-per-package
 * `/var/lib/dpkg/status.d/` that distroless images ship instead. Licenses come from each
 * package's copyright file; `Depends` and `Pre-Depends` become relationships. Each package's file
 * list (`info/<name>[:<arch>].list`, or a distroless entry's `.md5sums`) becomes its owned files,
 * so that the Python, Java, Ruby or Go packages it installed are related to it.
 * @module
 */
import type { License } from '../model.js';
import { debPurl } from '../purl.js';
import type { CatalogContext, CatalogFile, CatalogResult, Cataloger, FileResolver, PackageDraft, RelationshipDraft } from './cataloger.js';
import { firstLineOf, parseDeb822, type Deb822Paragraph } from './deb822.js';
import { parseDebianCopyright } from './debian-copyright.js';

/** One installed package as the resolver of dependencies sees it. */
interface DpkgEntry {
  draft: PackageDraft;
  name: string;
  architecture: string;
  multiArch: string | undefined;
  depends: string | undefined;
  provides: string[];
}

/** The dpkg database cataloger (`dpkg-db`). */
export const dpkgCataloger: Cataloger = {
  name: 'dpkg-db',
  sources: ['image', 'directory'],
  patterns: ['var/lib/dpkg/status', 'var/lib/dpkg/status.d/*'],
  exclude: ['var/lib/dpkg/status.d/*.md5sums'],
  related: ['usr/share/doc/*/copyright', 'var/lib/dpkg/info/*.list', 'var/lib/dpkg/status.d/*.md5sums'],
  maxFileSize: 128 * 1024 * 1024,
  parse: parseDpkg,
};

function parseDpkg(files: readonly CatalogFile[], context: CatalogContext): CatalogResult {
  const entries: DpkgEntry[] = [];
  const seen = new Set<string>();
  const licenseCache = new Map<string, License[]>();
  for (const file of files) {
    // status.d entries hold one package each and carry no Status field
    const requireStatus = !file.path.includes('/status.d/');
    const document = parseDeb822(file.content.toString('utf8'));
    if (document.paragraphs.length === 0 && file.content.length > 0) {
      context.warn({ code: 'METADATA_UNPARSABLE', message: 'no dpkg package paragraph found', path: file.path });
      continue;
    }
    for (const paragraph of document.paragraphs) {
      if (requireStatus && !isInstalled(paragraph.get('status'))) continue;
      const entry = guarded(() => toEntry(paragraph, file.path, context, licenseCache), file.path, context);
      if (entry === undefined) continue;
      if (seen.has(entry.draft.ref)) continue;
      seen.add(entry.draft.ref);
      entries.push(entry);
    }
  }
  return { packages: entries.map((entry) => entry.draft), relationships: relate(entries) };
}

/** Runs `read` for one package; an unexpected failure becomes a warning, never the end of the scan. */
function guarded<T>(read: () => T | undefined, path: string, context: CatalogContext): T | undefined {
  try {
    return read();
  } catch (error) {
    context.warn({ code: 'METADATA_UNPARSABLE', message: `unreadable dpkg entry: ${(error as Error).message}`, path });
    return undefined;
  }
}

/** `Status: <want> <flag> <state>`; only the `installed` state is on disk in full. */
function isInstalled(status: string | undefined): boolean {
  if (status === undefined) return false;
  const words = status.split(/\s+/);
  return words[1] === 'ok' && words[2] === 'installed';
}

function toEntry(paragraph: Deb822Paragraph, path: string, context: CatalogContext, licenseCache: Map<string, License[]>): DpkgEntry | undefined {
  const name = paragraph.get('package');
  const version = paragraph.get('version');
  if (name === undefined || name === '' || version === undefined || version === '') {
    context.warn({ code: 'METADATA_UNPARSABLE', message: `dpkg paragraph without ${name ? 'Version' : 'Package'}${name ? ` (${name})` : ''}`, path });
    return undefined;
  }
  const architecture = paragraph.get('architecture') ?? '';
  const { source, sourceVersion } = parseSource(paragraph.get('source'));
  const metadata: Record<string, string> = {};
  if (architecture !== '') metadata.architecture = architecture;
  if (source !== undefined) metadata.source = source;
  if (sourceVersion !== undefined) metadata.sourceVersion = sourceVersion;
  const installedSize = paragraph.get('installed-size');
  if (installedSize !== undefined && installedSize !== '') metadata.installedSize = installedSize;
  const multiArch = paragraph.get('multi-arch');
  if (multiArch !== undefined && multiArch !== '') metadata.multiArch = multiArch;
  const draft: PackageDraft = {
    ref: architecture === '' ? name : `${name}:${architecture}`,
    name,
    version,
    type: 'deb',
    purl: debPurl({ name, version, architecture: architecture || undefined, source, sourceVersion }, context.distro),
    licenses: packageLicenses(name, context, licenseCache),
    metadata,
    locations: [{ path }],
  };
  const ownedFiles = listedFiles(name, architecture, path, context.resolver);
  if (ownedFiles !== undefined) draft.ownedFiles = ownedFiles;
  const description = firstLineOf(paragraph.get('description'));
  if (description !== undefined) draft.description = description;
  const homepage = paragraph.get('homepage');
  if (homepage !== undefined && homepage !== '') draft.homepage = homepage;
  const maintainer = paragraph.get('maintainer');
  if (maintainer !== undefined && maintainer !== '') draft.supplier = maintainer;
  const depends = [paragraph.get('pre-depends'), paragraph.get('depends')].filter((value) => value !== undefined && value !== '').join(', ');
  return {
    draft,
    name,
    architecture,
    multiArch,
    depends: depends === '' ? undefined : depends,
    provides: splitList(paragraph.get('provides')).map((item) => parseRelation(item).name),
  };
}

/** `Source: foo` or `Source: foo (1.2-3)`; the source version defaults to the binary's. */
function parseSource(field: string | undefined): { source?: string; sourceVersion?: string } {
  if (field === undefined || field === '') return {};
  const match = /^(\S+)(?:\s*\(([^)]+)\))?/.exec(field);
  if (match === null) return {};
  const out: { source?: string; sourceVersion?: string } = { source: match[1] };
  if (match[2] !== undefined) out.sourceVersion = match[2].trim();
  return out;
}

function packageLicenses(name: string, context: CatalogContext, cache: Map<string, License[]>): License[] {
  const cached = cache.get(name);
  if (cached !== undefined) return cached;
  const content = context.resolver.read(`/usr/share/doc/${name}/copyright`);
  const licenses = content === undefined ? [] : parseDebianCopyright(content.toString('utf8'));
  cache.set(name, licenses);
  return licenses;
}

/**
 * The files dpkg installed for a package: its `info/<name>:<arch>.list` (a `Multi-Arch: same`
 * package) or `info/<name>.list`, one absolute path per line; for a distroless `status.d/<entry>`,
 * `status.d/<entry>.md5sums` (`<md5>  <path from the root>`, regular files only). The lines are
 * split only when the pipeline iterates them, once: until then a list costs its captured bytes,
 * not a string per path.
 */
function listedFiles(name: string, architecture: string, statusPath: string, resolver: FileResolver): Iterable<string> | undefined {
  if (statusPath.includes('/status.d/')) {
    const md5sums = resolver.read(`${statusPath}.md5sums`);
    return md5sums === undefined ? undefined : linesOf(md5sums, (line) => {
      const path = /^[0-9a-f]{32} {2}(.+)$/.exec(line)?.[1];
      return path === undefined ? undefined : `/${path}`;
    });
  }
  const list = (architecture === '' ? undefined : resolver.read(`/var/lib/dpkg/info/${name}:${architecture}.list`)) ?? resolver.read(`/var/lib/dpkg/info/${name}.list`);
  // the first line is `/.`, the root itself
  return list === undefined ? undefined : linesOf(list, (line) => (line.startsWith('/') && line !== '/.' ? line : undefined));
}

/** The non-empty results of `pick` over the lines of `content`, computed anew on each iteration. */
function linesOf(content: Buffer, pick: (line: string) => string | undefined): Iterable<string> {
  return {
    *[Symbol.iterator]() {
      for (const line of content.toString('utf8').split('\n')) {
        const path = pick(line.endsWith('\r') ? line.slice(0, -1) : line);
        if (path !== undefined) yield path;
      }
    },
  };
}

function splitList(field: string | undefined): string[] {
  if (field === undefined) return [];
  return field
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** `name[:arch] [(op version)] [[archs]] [<profiles>]` -> name and arch qualifier. */
function parseRelation(text: string): { name: string; archQualifier: string | undefined } {
  const token = text.trim().split(/[\s([<]/, 1)[0] ?? '';
  const colon = token.indexOf(':');
  return colon < 0 ? { name: token, archQualifier: undefined } : { name: token.slice(0, colon), archQualifier: token.slice(colon + 1) };
}

/**
 * Links each package to the packages that satisfy its `Pre-Depends` and `Depends`. For an
 * alternative (`a | b`) the first one installed wins, by package name or by `Provides`. Version
 * constraints are not checked: the database records what is installed, and linking to it is the
 * point. Architecture is: with `:any`, any; with `:arch`, that one; otherwise the dependent's own
 * (the native one for `Architecture: all`), `all`, or a `Multi-Arch: foreign` package.
 */
function relate(entries: readonly DpkgEntry[]): RelationshipDraft[] {
  const byName = new Map<string, DpkgEntry[]>();
  const byProvided = new Map<string, DpkgEntry[]>();
  for (const entry of entries) {
    push(byName, entry.name, entry);
    for (const provided of entry.provides) push(byProvided, provided, entry);
  }
  const native = nativeArchitecture(entries);
  const relationships: RelationshipDraft[] = [];
  for (const entry of entries) {
    if (entry.depends === undefined) continue;
    const ownArch = entry.architecture === 'all' || entry.architecture === '' ? native : entry.architecture;
    const linked = new Set<string>();
    for (const group of splitList(entry.depends)) {
      for (const alternative of group.split('|')) {
        const relation = parseRelation(alternative);
        if (relation.name === '') continue;
        const target =
          pick(byName.get(relation.name), relation.archQualifier, ownArch) ?? pick(byProvided.get(relation.name), relation.archQualifier, ownArch);
        if (target === undefined) continue;
        if (target !== entry && !linked.has(target.draft.ref)) {
          linked.add(target.draft.ref);
          relationships.push({ from: entry.draft.ref, to: target.draft.ref, type: 'depends-on' });
        }
        break;
      }
    }
  }
  return relationships;
}

function pick(candidates: DpkgEntry[] | undefined, archQualifier: string | undefined, ownArch: string | undefined): DpkgEntry | undefined {
  if (candidates === undefined) return undefined;
  if (archQualifier !== undefined && archQualifier !== 'any') {
    return candidates.find((c) => c.architecture === archQualifier) ?? candidates.find((c) => c.architecture === 'all');
  }
  const compatible = (c: DpkgEntry) => c.architecture === ownArch || c.architecture === 'all' || c.architecture === '' || c.multiArch === 'foreign';
  const preferred = candidates.find((c) => c.architecture === ownArch) ?? candidates.find(compatible);
  if (preferred !== undefined || archQualifier !== 'any') return preferred;
  return candidates[0];
}

/** The architecture dpkg itself is built for, or else the most common one. */
function nativeArchitecture(entries: readonly DpkgEntry[]): string | undefined {
  const dpkg = entries.find((entry) => entry.name === 'dpkg' && entry.architecture !== 'all');
  if (dpkg !== undefined) return dpkg.architecture;
  const counts = new Map<string, number>();
  for (const entry of entries) {
    if (entry.architecture === 'all' || entry.architecture === '') continue;
    counts.set(entry.architecture, (counts.get(entry.architecture) ?? 0) + 1);
  }
  let best: string | undefined;
  let bestCount = 0;
  for (const [arch, count] of [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (count > bestCount) {
      best = arch;
      bestCount = count;
    }
  }
  return best;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
