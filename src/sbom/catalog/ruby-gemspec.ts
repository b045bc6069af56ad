/**
 * Installed Ruby gems: the gemspecs RubyGems writes into `<gem dir>/specifications/` and, for
 * the gems that ship with Ruby itself, `<gem dir>/specifications/default/`. They are read, never
 * evaluated (see `gemspec.ts`). A runtime dependency links to the gem RubyGems would activate
 * from the same gem dir: the highest installed version that meets the requirement.
 * @module
 */
import type { License } from '../model.js';
import { normalizeLicense, uniqueLicenses } from '../license.js';
import { buildPurl } from '../purl.js';
import type { CatalogContext, CatalogFile, CatalogResult, Cataloger, PackageDraft, RelationshipDraft } from './cataloger.js';
import { readGemspec, type GemDependency, type Gemspec, type RubyDynamic } from './gemspec.js';

/** The installed-gem cataloger (`ruby-installed`). */
export const rubyGemspecCataloger: Cataloger = {
  name: 'ruby-installed',
  sources: ['image', 'directory'],
  patterns: ['**/specifications/*.gemspec', '**/specifications/default/*.gemspec'],
  maxFileSize: 4 * 1024 * 1024,
  parse: parseGemspecs,
};

interface GemEntry {
  draft: PackageDraft;
  gemDir: string;
  version: GemVersion | undefined;
  dependencies: GemDependency[];
}

function parseGemspecs(files: readonly CatalogFile[], context: CatalogContext): CatalogResult {
  const entries: GemEntry[] = [];
  for (const file of files) {
    try {
      const entry = toEntry(file, context);
      if (entry !== undefined) entries.push(entry);
    } catch (error) {
      context.warn({ code: 'METADATA_UNPARSABLE', message: `unreadable gemspec: ${(error as Error).message}`, path: file.path });
    }
  }
  // gem dir -> gem name -> installed versions
  const index = new Map<string, Map<string, GemEntry[]>>();
  for (const entry of entries) {
    let dir = index.get(entry.gemDir);
    if (dir === undefined) index.set(entry.gemDir, (dir = new Map()));
    const list = dir.get(entry.draft.name) ?? [];
    list.push(entry);
    dir.set(entry.draft.name, list);
  }
  const relationships: RelationshipDraft[] = [];
  for (const entry of entries) {
    const linked = new Set<string>();
    for (const dependency of entry.dependencies) {
      const target = activated(index.get(entry.gemDir)?.get(dependency.name) ?? [], dependency.requirements);
      if (target === undefined || target === entry || linked.has(target.draft.ref)) continue;
      linked.add(target.draft.ref);
      relationships.push({ from: entry.draft.ref, to: target.draft.ref, type: 'depends-on' });
    }
  }
  return { packages: entries.map((entry) => entry.draft), relationships };
}

function toEntry(file: CatalogFile, context: CatalogContext): GemEntry | undefined {
  const spec = readGemspec(file.content.toString('utf8'));
  const name = resolved(spec.strings.get('name'), undefined);
  const version = resolved(spec.strings.get('version'), undefined);
  if (name === undefined || version === undefined || name === '' || version === '') {
    const missing = name === undefined || name === '' ? 'name' : 'version';
    context.warn({ code: 'METADATA_UNPARSABLE', message: `gemspec without a literal ${missing}`, path: file.path });
    return undefined;
  }
  const platform = resolved(spec.strings.get('platform'), spec);
  const specifications = file.path.lastIndexOf('/specifications/');
  const draft: PackageDraft = {
    ref: file.path,
    name,
    version,
    type: 'ruby',
    purl: buildPurl({ type: 'gem', name, version, qualifiers: { platform: platform === 'ruby' ? undefined : platform } }),
    licenses: gemLicenses(spec),
    metadata: {},
    locations: [{ path: file.path }],
  };
  if (file.path.includes('/specifications/default/')) draft.metadata.defaultGem = 'true';
  if (platform !== undefined && platform !== 'ruby') draft.metadata.platform = platform;
  const summary = resolved(spec.strings.get('summary'), spec);
  if (summary !== undefined && summary !== '') draft.description = summary;
  const homepage = resolved(spec.strings.get('homepage'), spec);
  if (homepage !== undefined && homepage !== '') draft.homepage = homepage;
  const authors = (spec.lists.get('authors') ?? []).flatMap((author) => {
    const value = resolved(author, spec);
    return value === undefined || value === '' ? [] : [value];
  });
  if (authors.length > 0) {
    draft.supplier = authors.join(', ');
    draft.metadata.authors = authors.join(', ');
  }
  return { draft, gemDir: file.path.slice(0, specifications), version: parseGemVersion(version), dependencies: spec.dependencies };
}

/**
 * `licenses = [...]` or `license = "..."`. RubyGems gives a list no meaning of choice or
 * conjunction, so each entry stays a license of its own.
 */
function gemLicenses(spec: Gemspec): License[] {
  const declared = spec.lists.get('licenses') ?? [spec.strings.get('license')];
  return uniqueLicenses(
    declared.flatMap((license) => {
      const value = resolved(license, spec);
      return value === undefined || value.trim() === '' ? [] : [normalizeLicense(value)];
    }),
  );
}

/**
 * A literal value, or an interpolation of the gem's own name or version (`"…/#{s.name}"`,
 * which hand-written gemspecs use) filled in; anything else Ruby would compute is unknown.
 */
function resolved(value: string | RubyDynamic | undefined, spec: Gemspec | undefined): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  if (spec === undefined) return undefined;
  let unknown = false;
  const text = value.dynamic.replace(/#\{\s*(?:\w+\.)?(name|version)\s*\}|#\{[^}]*\}/g, (match, field: string | undefined) => {
    const known = field === undefined ? undefined : spec.strings.get(field);
    if (typeof known === 'string') return known;
    unknown = true;
    return match;
  });
  return unknown ? undefined : text;
}

/**
 * A version as RubyGems compares it (`Gem::Version`): numeric and alphabetic segments, a
 * letter making it a prerelease that sorts before the release.
 */
type GemVersion = Array<number | string>;

function parseGemVersion(text: string): GemVersion | undefined {
  const trimmed = text.trim();
  if (!/^[0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z.-]+)?$/.test(trimmed)) return undefined;
  // RubyGems reads `1.0-rc1` as `1.0.pre.rc1`
  const canonical = trimmed.replace(/-/g, '.pre.');
  const segments = canonical.match(/[0-9]+|[a-z]+/gi) ?? [];
  return segments.map((segment) => (/^[0-9]+$/.test(segment) ? Number(segment) : segment));
}

function compareGemVersions(a: GemVersion, b: GemVersion): number {
  const left = canonicalSegments(a);
  const right = canonicalSegments(b);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const l = left[i] ?? 0;
    const r = right[i] ?? 0;
    if (l === r) continue;
    if (typeof l === 'string' && typeof r === 'number') return -1;
    if (typeof l === 'number' && typeof r === 'string') return 1;
    return l < r ? -1 : 1;
  }
  return 0;
}

/** Trailing zeros do not count (`1.0` equals `1`), nor zeros just before a prerelease part. */
function canonicalSegments(version: GemVersion): GemVersion {
  const firstLetter = version.findIndex((segment) => typeof segment === 'string');
  const release = firstLetter < 0 ? [...version] : version.slice(0, firstLetter);
  const prerelease = firstLetter < 0 ? [] : version.slice(firstLetter);
  while (release.length > 1 && release.at(-1) === 0) release.pop();
  return [...release, ...prerelease];
}

const REQUIREMENT = /^\s*(=|!=|>=|<=|>|<|~>)?\s*(\S+)\s*$/;

/** Whether `version` meets one requirement string (`"~> 2.2"`), or undefined when it cannot be read. */
function satisfies(version: GemVersion, requirement: string): boolean | undefined {
  const match = REQUIREMENT.exec(requirement);
  const bound = match === null ? undefined : parseGemVersion(match[2] as string);
  if (match === null || bound === undefined) return undefined;
  const order = compareGemVersions(version, bound);
  switch (match[1] ?? '=') {
    case '=':
      return order === 0;
    case '!=':
      return order !== 0;
    case '>':
      return order > 0;
    case '<':
      return order < 0;
    case '>=':
      return order >= 0;
    case '<=':
      return order <= 0;
    default:
      return order >= 0 && compareGemVersions(version, pessimisticLimit(bound)) < 0;
  }
}

/** The exclusive upper bound of `~> bound` (`Gem::Version#bump`): `~> 2.2.4` is below `2.3`. */
function pessimisticLimit(bound: GemVersion): GemVersion {
  const firstLetter = bound.findIndex((segment) => typeof segment === 'string');
  const release = (firstLetter < 0 ? bound : bound.slice(0, firstLetter)) as number[];
  const kept = release.length > 1 ? release.slice(0, -1) : [...release];
  kept[kept.length - 1] = (kept.at(-1) ?? 0) + 1;
  return kept;
}

/**
 * The installed gem RubyGems would activate (`Gem::Dependency#to_spec`): the highest version
 * meeting every requirement, a prerelease only when no release does or when a requirement names
 * a prerelease. Requirements it cannot read do not narrow the choice.
 */
function activated(candidates: readonly GemEntry[], requirements: readonly string[]): GemEntry | undefined {
  const allowPrerelease = requirements.some((requirement) => /[a-zA-Z]/.test(requirement.replace(/^\s*[=!<>~]+/, '')));
  let release: GemEntry | undefined;
  let prerelease: GemEntry | undefined;
  for (const candidate of candidates) {
    const version = candidate.version;
    if (version === undefined) continue;
    if (requirements.some((requirement) => satisfies(version, requirement) === false)) continue;
    const isPrerelease = !allowPrerelease && version.some((segment) => typeof segment === 'string');
    const best = isPrerelease ? prerelease : release;
    if (best !== undefined && compareGemVersions(version, best.version as GemVersion) <= 0) continue;
    if (isPrerelease) prerelease = candidate;
    else release = candidate;
  }
  return release ?? prerelease;
}
