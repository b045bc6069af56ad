/**
 * Installed Python distributions: `*.dist-info/METADATA` (wheels, pip), `*.egg-info/PKG-INFO`
 * (setuptools) and single-file `*.egg-info` (distutils). Requirements link only to
 * distributions installed in the same site directory, as the import system would find them.
 * @module
 */
import type { License } from '../model.js';
import { normalizeClassifier, normalizeLicense, uniqueLicenses } from '../license.js';
import { normalizePythonName, pypiPurl } from '../purl.js';
import type { CatalogContext, CatalogFile, CatalogResult, Cataloger, PackageDraft, RelationshipDraft } from './cataloger.js';
import { metadataField, parsePythonMetadata, parseRequirement, parseRequiresTxt, type PythonMetadata, type PythonRequirement } from './python-metadata.js';

interface PythonEntry {
  draft: PackageDraft;
  siteDir: string;
  requirements: PythonRequirement[];
}

/** The installed-Python cataloger (`python-installed`). */
export const pythonCataloger: Cataloger = {
  name: 'python-installed',
  sources: ['image', 'directory'],
  patterns: ['**/*.dist-info/METADATA', '**/*.egg-info/PKG-INFO', '**/*.egg-info'],
  related: ['**/*.egg-info/requires.txt'],
  maxFileSize: 16 * 1024 * 1024,
  parse: parsePython,
};

/** A `License` value longer than this, or on several lines, is a license text, not a name. */
const MAX_LICENSE_NAME = 200;

function parsePython(files: readonly CatalogFile[], context: CatalogContext): CatalogResult {
  const entries: PythonEntry[] = [];
  for (const file of files) {
    try {
      const entry = toEntry(file, context);
      if (entry !== undefined) entries.push(entry);
    } catch (error) {
      context.warn({ code: 'METADATA_UNPARSABLE', message: `unreadable Python metadata: ${(error as Error).message}`, path: file.path });
    }
  }
  // site directory -> normalized name -> first distribution of that name there
  const index = new Map<string, Map<string, PythonEntry>>();
  for (const entry of entries) {
    let site = index.get(entry.siteDir);
    if (site === undefined) {
      site = new Map();
      index.set(entry.siteDir, site);
    }
    const key = normalizePythonName(entry.draft.name);
    if (!site.has(key)) site.set(key, entry);
  }
  const relationships: RelationshipDraft[] = [];
  for (const entry of entries) {
    const site = index.get(entry.siteDir);
    const linked = new Set<string>();
    for (const requirement of entry.requirements) {
      if (requirement.extraOnly) continue;
      const target = site?.get(normalizePythonName(requirement.name));
      if (target === undefined || target === entry || linked.has(target.draft.ref)) continue;
      linked.add(target.draft.ref);
      relationships.push({ from: entry.draft.ref, to: target.draft.ref, type: 'depends-on' });
    }
  }
  return { packages: entries.map((entry) => entry.draft), relationships };
}

function toEntry(file: CatalogFile, context: CatalogContext): PythonEntry | undefined {
  const metadata = parsePythonMetadata(file.content.toString('utf8'));
  const name = metadataField(metadata, 'name');
  const version = metadataField(metadata, 'version');
  if (name === undefined || version === undefined) {
    context.warn({ code: 'METADATA_UNPARSABLE', message: `Python metadata without ${name === undefined ? 'Name' : 'Version'}`, path: file.path });
    return undefined;
  }
  const singleFile = file.path.endsWith('.egg-info');
  const metadataDir = singleFile ? file.path : dirname(file.path);
  const draft: PackageDraft = {
    ref: file.path,
    name,
    version,
    type: 'python',
    purl: pypiPurl(name, version),
    licenses: pythonLicenses(metadata),
    metadata: {},
    locations: [{ path: file.path }],
  };
  const summary = metadataField(metadata, 'summary');
  if (summary !== undefined && summary !== 'UNKNOWN') draft.description = summary;
  const homepage = homepageOf(metadata);
  if (homepage !== undefined) draft.homepage = homepage;
  const author = authorOf(metadata);
  if (author !== undefined) {
    draft.supplier = author;
    draft.metadata.author = author;
  }
  return { draft, siteDir: dirname(metadataDir), requirements: requirementsOf(metadata, metadataDir, singleFile, context) };
}

/**
 * `License-Expression` (PEP 639) when present; otherwise the `License` field when it names a
 * license; otherwise the license classifiers. A `License` field holding a whole license text
 * gives way to the classifiers, and is kept verbatim only when there are none.
 */
function pythonLicenses(metadata: PythonMetadata): License[] {
  const expression = metadataField(metadata, 'license-expression');
  if (expression !== undefined) return [normalizeLicense(expression)];
  const classifiers = (metadata.get('classifier') ?? []).flatMap((classifier) => {
    const license = normalizeClassifier(classifier);
    return license === undefined ? [] : [license];
  });
  const field = metadataField(metadata, 'license');
  if (field !== undefined && !isPlaceholder(field)) {
    const isText = field.includes('\n') || field.length > MAX_LICENSE_NAME;
    if (!isText || classifiers.length === 0) return [normalizeLicense(field)];
  }
  return uniqueLicenses(classifiers);
}

function isPlaceholder(value: string): boolean {
  const lower = value.toLowerCase();
  return lower === 'unknown' || lower === 'none' || lower === 'n/a';
}

function homepageOf(metadata: PythonMetadata): string | undefined {
  const homepage = metadataField(metadata, 'home-page');
  if (homepage !== undefined && !isPlaceholder(homepage)) return homepage;
  for (const url of metadata.get('project-url') ?? []) {
    const comma = url.indexOf(',');
    if (comma > 0 && /^home\s*-?page$/i.test(url.slice(0, comma).trim())) return url.slice(comma + 1).trim();
  }
  return undefined;
}

function authorOf(metadata: PythonMetadata): string | undefined {
  for (const field of ['author', 'author-email', 'maintainer', 'maintainer-email']) {
    const value = metadataField(metadata, field);
    if (value !== undefined && !isPlaceholder(value)) return value;
  }
  return undefined;
}

/** `Requires-Dist` headers; an egg-info directory without them lists requirements in `requires.txt`. */
function requirementsOf(metadata: PythonMetadata, metadataDir: string, singleFile: boolean, context: CatalogContext): PythonRequirement[] {
  const declared = metadata.get('requires-dist') ?? [];
  if (declared.length > 0 || singleFile || !metadataDir.endsWith('.egg-info')) {
    return declared.flatMap((line) => {
      const requirement = parseRequirement(line);
      return requirement === undefined ? [] : [requirement];
    });
  }
  const requiresTxt = context.resolver.read(`${metadataDir}/requires.txt`);
  return requiresTxt === undefined ? [] : parseRequiresTxt(requiresTxt.toString('utf8'));
}

function dirname(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}
