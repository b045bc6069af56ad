/**
 * pip requirements files (`requirements*.txt`, `*-requirements.txt`, `requirements/*.txt`).
 * Only what the file locks is a package: a requirement pinned with `==` or `===` (no wildcard),
 * or a range that a constraints file (`-c`) pins; a range nothing pins locks nothing and is
 * left out. A URL requirement (`name @ url`, `-e git+…#egg=name`) is reported with the version
 * its URL pins (an archive's file name, or a tag that is a version), and skipped with a warning
 * when it pins none; `-e .` and other local folders are the project, not a package. `-r` and `-c`
 * files are read through the resolver, relative to the including file, at most 16 deep and each
 * once. The format records no graph and no development marks.
 * @module
 */
import { posix } from 'node:path';
import { normalizePythonName } from '../../purl.js';
import type { CatalogContext, CatalogFile, CatalogResult, Cataloger, PackageDraft } from '../cataloger.js';
import { firstSha256, folderOf, LockPackages, markerMetadata, PYTHON_LOCKFILE_EXCLUDES, PYTHON_LOCKFILE_MAX_BYTES } from './lock-package.js';
import { parseRequirement, pinnedVersion, type Requirement } from './requirement.js';

/** The requirements-file cataloger (`python-requirements`). */
export const requirementsCataloger: Cataloger = {
  name: 'python-requirements',
  sources: ['directory', 'lockfile'],
  patterns: ['**/*requirements*.txt', '**/requirements/*.txt'],
  // files an include may name that the patterns do not catch
  related: ['**/*requirements*.txt', '**/*constraints*.txt', '**/requirements/*.in', '**/*requirements*.in'],
  exclude: [...PYTHON_LOCKFILE_EXCLUDES, '**/*.dist-info/**', '**/*.egg-info/**'],
  maxFileSize: PYTHON_LOCKFILE_MAX_BYTES,
  parse: parseRequirementsFiles,
};

const MAX_INCLUDE_DEPTH = 16;

function parseRequirementsFiles(files: readonly CatalogFile[], context: CatalogContext): CatalogResult {
  const packages: PackageDraft[] = [];
  for (const file of files) packages.push(...parseRequirementsFile(file, context));
  return { packages, relationships: [] };
}

/** One parsed line: a requirement, an include, or an editable install. */
type Line =
  | { kind: 'requirement'; requirement: Requirement; hashes: string[]; editable: boolean }
  | { kind: 'include'; constraint: boolean; target: string };

/** The packages one requirements file (with what it includes) locks. */
export function parseRequirementsFile(file: CatalogFile, context: CatalogContext): PackageDraft[] {
  const packages = new LockPackages(file.path);
  const constraints = new Map<string, string>();
  const requirements: Array<{ requirement: Requirement; hashes: string[]; editable: boolean; path: string }> = [];
  const visited = new Set<string>();
  const skip = (message: string, path = file.path) => context.warn({ code: 'PACKAGE_SKIPPED', message, path });

  const visit = (path: string, content: Buffer, constraint: boolean, depth: number) => {
    visited.add(path);
    for (const line of logicalLines(content.toString('utf8'))) {
      const parsed = parseLine(line);
      if (parsed === undefined) continue;
      if (parsed === 'unparsable') {
        skip(`unparsable requirement line: ${line.slice(0, 200)}`, path);
        continue;
      }
      if (parsed.kind === 'include') {
        const target = posix.normalize(parsed.target.startsWith('/') ? parsed.target : `${folderOf(path)}${parsed.target}`);
        if (visited.has(target)) continue;
        const included = depth < MAX_INCLUDE_DEPTH ? context.resolver.read(target) : undefined;
        if (included === undefined) {
          const why = depth >= MAX_INCLUDE_DEPTH ? `more than ${MAX_INCLUDE_DEPTH} includes deep` : 'not in the scanned files';
          context.warn({ code: 'LINK_NOT_FOLLOWED', message: `${parsed.constraint ? '-c' : '-r'} ${parsed.target} not read: ${why}`, path });
          continue;
        }
        visit(target, included, constraint || parsed.constraint, depth + 1);
        continue;
      }
      if (constraint) {
        const version = pinnedVersion(parsed.requirement.specifier);
        if (version !== undefined) constraints.set(parsed.requirement.key, version);
      } else requirements.push({ ...parsed, path });
    }
  };
  visit(file.path, file.content, false, 0);

  const skippedUrls: string[] = [];
  for (const { requirement, hashes, path } of requirements) {
    const version = requirement.url !== undefined ? urlVersion(requirement) : (pinnedVersion(requirement.specifier) ?? constraints.get(requirement.key));
    if (version === undefined) {
      if (requirement.url !== undefined) skippedUrls.push(`${requirement.name} @ ${requirement.url}`);
      continue;
    }
    const draft = packages.add(requirement.name, version, {
      sha256: firstSha256(hashes),
      ...markerMetadata(requirement.marker),
      extras: requirement.extras.length > 0 ? requirement.extras.join(',') : undefined,
      sourceUrl: requirement.url,
    });
    if (path !== file.path && !draft.locations.some((location) => location.path === path)) draft.locations.push({ path });
  }
  if (skippedUrls.length > 0) skip(`URL requirements that pin no version were skipped: ${skippedUrls.join(', ')}`);
  return packages.all();
}

/** Physical lines joined at a trailing backslash, comments removed, blank lines dropped. */
function* logicalLines(text: string): Generator<string> {
  let pending = '';
  for (const raw of text.split(/\r?\n/)) {
    // pip strips a comment at the line start or after whitespace, before joining lines
    const line = raw.replace(/(^|\s)#.*$/, '$1');
    if (/\\\s*$/.test(line)) {
      pending += `${line.replace(/\\\s*$/, '')} `;
      continue;
    }
    const joined = (pending + line).trim();
    pending = '';
    if (joined !== '') yield joined;
  }
  if (pending.trim() !== '') yield pending.trim();
}

const HASH_OPTION = /\s--hash[=\s]\s*(\S+)/g;

function parseLine(line: string): Line | 'unparsable' | undefined {
  const include = /^(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+)(\S+)$/.exec(line);
  if (include) return { kind: 'include', constraint: include[1] === '-c' || include[1] === '--constraint', target: include[2] as string };
  const editable = /^(?:-e|--editable)(?:\s*=\s*|\s+)(\S+)/.exec(line);
  if (editable) {
    const target = editable[1] as string;
    const egg = /#(?:.*&)?egg=([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(target);
    // a local folder (`-e .`, `-e ./lib`) is the project or a sibling, never a locked package
    if (egg === null) return isUrl(target) ? 'unparsable' : undefined;
    const requirement: Requirement = { name: egg[1] as string, key: normalizePythonName(egg[1] as string), extras: [], specifier: '', url: target };
    return { kind: 'requirement', requirement, hashes: [], editable: true };
  }
  // other options (`--index-url`, `--pre`, `-f` …) lock nothing
  if (line.startsWith('-')) return undefined;
  const hashes = [...line.matchAll(HASH_OPTION)].map((match) => match[1] as string);
  const body = line.replace(HASH_OPTION, '').replace(/\s--(?:global-option|config-settings|install-option)[=\s]\s*\S+/g, '').trim();
  // a bare path or URL (`./dist/x.whl`, `https://…/x-1.0.tar.gz`) without a name
  if (isUrl(body) || body.startsWith('.') || body.startsWith('/')) return fromArchiveName(body, hashes);
  const requirement = parseRequirement(body);
  if (requirement === undefined) return 'unparsable';
  return { kind: 'requirement', requirement, hashes, editable: false };
}

function isUrl(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text) || /^(git|hg|svn|bzr)\+/.test(text);
}

/** A requirement named by an archive's file name alone, e.g. `https://…/name-1.0.tar.gz`. */
function fromArchiveName(target: string, hashes: string[]): Line | 'unparsable' {
  const parsed = archiveNameVersion(target);
  if (parsed === undefined) return 'unparsable';
  const requirement: Requirement = { name: parsed.name, key: normalizePythonName(parsed.name), extras: [], specifier: `==${parsed.version}`, url: target };
  return { kind: 'requirement', requirement, hashes, editable: false };
}

/** The version a URL pins: its archive's file name, or a VCS ref that is a version tag. */
function urlVersion(requirement: Requirement): string | undefined {
  const url = requirement.url as string;
  const archive = archiveNameVersion(url);
  if (archive !== undefined && normalizePythonName(archive.name) === requirement.key) return archive.version;
  const ref = /^(?:git|hg|svn|bzr)\+[^#]*@([^@/#]+)(?:#.*)?$/.exec(url)?.[1];
  if (ref !== undefined && /^v?\d+(\.\d+)*([._-]?(a|b|rc|post|dev)\d*)*$/i.test(ref)) return ref.replace(/^v/i, '');
  return undefined;
}

/** `name-1.2.3.tar.gz`, `name-1.2.3.zip` or a wheel `name-1.2.3-py3-none-any.whl` at a URL's end. */
function archiveNameVersion(url: string): { name: string; version: string } | undefined {
  const file = decodeURIComponent(url.replace(/[?#].*$/, '').split('/').pop() ?? '');
  const wheel = /^([A-Za-z0-9][A-Za-z0-9._]*)-([^-]+)(-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$/.exec(file);
  if (wheel) return { name: wheel[1] as string, version: wheel[2] as string };
  const sdist = /^([A-Za-z0-9][A-Za-z0-9._-]*?)-(\d[^-]*?)\.(tar\.gz|tar\.bz2|tar\.xz|zip|tgz)$/.exec(file);
  return sdist ? { name: sdist[1] as string, version: sdist[2] as string } : undefined;
}
