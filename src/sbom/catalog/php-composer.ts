/**
 * PHP packages installed by Composer: `<vendor dir>/composer/installed.json`. Composer 1 writes
 * a JSON array of packages; Composer 2 writes `{ packages, dev, dev-package-names }`, where the
 * names listed in `dev-package-names` were installed for development only. A `require` links to
 * the package of that name installed by the same file, or to one that `replace`s or `provide`s
 * it, the way Composer's own resolver satisfies it; platform requirements (`php`, `ext-*`…) have
 * no package.
 * @module
 */
import type { CatalogContext, CatalogFile, CatalogResult, Cataloger, PackageDraft, RelationshipDraft } from './cataloger.js';
import { composerLicenses, composerPurl, linkNames } from './php/composer-package.js';
import { stringField } from './node-modules.js';
import { isRecord } from '../../util/is-record.js';

/** The Composer cataloger (`php-composer-installed`). */
export const phpComposerCataloger: Cataloger = {
  name: 'php-composer-installed',
  sources: ['image', 'directory'],
  // the vendor dir is configurable (`config.vendor-dir`); Composer's own folder in it is not
  patterns: ['**/composer/installed.json'],
  maxFileSize: 64 * 1024 * 1024,
  parse: parseInstalledFiles,
};

interface ComposerEntry {
  draft: PackageDraft;
  /** Lowercased names in `require`. */
  requires: string[];
  /** Lowercased names in `replace` and `provide`. */
  provides: string[];
}

function parseInstalledFiles(files: readonly CatalogFile[], context: CatalogContext): CatalogResult {
  const packages: PackageDraft[] = [];
  const relationships: RelationshipDraft[] = [];
  for (const file of files) {
    let entries: ComposerEntry[] | undefined;
    try {
      entries = readInstalled(file, context);
    } catch (error) {
      context.warn({ code: 'METADATA_UNPARSABLE', message: `unreadable Composer installed.json: ${(error as Error).message}`, path: file.path });
    }
    if (entries === undefined) continue;
    const byName = new Map<string, ComposerEntry>();
    const byProvided = new Map<string, ComposerEntry>();
    for (const entry of entries) {
      byName.set(entry.draft.name.toLowerCase(), entry);
      packages.push(entry.draft);
    }
    for (const entry of entries) {
      for (const name of entry.provides) if (!byName.has(name) && !byProvided.has(name)) byProvided.set(name, entry);
    }
    for (const entry of entries) {
      const linked = new Set<string>();
      for (const name of entry.requires) {
        const target = byName.get(name) ?? byProvided.get(name);
        if (target === undefined || target === entry || linked.has(target.draft.ref)) continue;
        linked.add(target.draft.ref);
        relationships.push({ from: entry.draft.ref, to: target.draft.ref, type: 'depends-on' });
      }
    }
  }
  return { packages, relationships };
}

function readInstalled(file: CatalogFile, context: CatalogContext): ComposerEntry[] | undefined {
  const warn = (message: string) => context.warn({ code: 'METADATA_UNPARSABLE', message, path: file.path });
  let document: unknown;
  try {
    document = JSON.parse(file.content.toString('utf8'));
  } catch (error) {
    warn(`invalid Composer installed.json: ${(error as Error).message}`);
    return undefined;
  }
  let list: unknown[];
  let devNames = new Set<string>();
  let format: '1' | '2';
  if (Array.isArray(document)) {
    list = document;
    format = '1';
  } else if (isRecord(document) && Array.isArray(document.packages)) {
    list = document.packages;
    format = '2';
    if (Array.isArray(document['dev-package-names'])) {
      devNames = new Set(document['dev-package-names'].filter((name): name is string => typeof name === 'string').map((name) => name.toLowerCase()));
    }
  } else {
    warn('not a Composer installed.json: neither a package list (Composer 1) nor an object with "packages" (Composer 2)');
    return undefined;
  }
  const entries: ComposerEntry[] = [];
  let skipped = 0;
  list.forEach((raw, index) => {
    const entry = isRecord(raw) ? toEntry(raw, index, file.path, format, devNames) : undefined;
    if (entry === undefined) skipped++;
    else entries.push(entry);
  });
  if (skipped > 0) warn(`${skipped} of ${list.length} Composer packages without a name or version were skipped`);
  return entries;
}

function toEntry(raw: Record<string, unknown>, index: number, path: string, format: '1' | '2', devNames: ReadonlySet<string>): ComposerEntry | undefined {
  const name = stringField(raw, 'name');
  const version = stringField(raw, 'version');
  if (name === undefined || version === undefined || name.trim() === '' || version.trim() === '') return undefined;
  const metadata: Record<string, string> = { composerFormat: format };
  const type = stringField(raw, 'type');
  if (type !== undefined) metadata.composerType = type;
  if (devNames.has(name.toLowerCase())) metadata.dev = 'true';
  const dist = isRecord(raw.dist) ? raw.dist : undefined;
  const source = isRecord(raw.source) ? raw.source : undefined;
  const reference = (dist !== undefined ? stringField(dist, 'reference') : undefined) ?? (source !== undefined ? stringField(source, 'reference') : undefined);
  if (reference !== undefined) metadata.reference = reference;
  const shasum = dist !== undefined ? stringField(dist, 'shasum') : undefined;
  if (shasum !== undefined) metadata.distSha1 = shasum;
  const draft: PackageDraft = {
    ref: `${path}#${index}`,
    name,
    version,
    type: 'php',
    purl: composerPurl(name, version),
    licenses: composerLicenses(raw.license),
    metadata,
    locations: [{ path }],
  };
  const description = stringField(raw, 'description');
  if (description !== undefined && description !== '') draft.description = description;
  const homepage = stringField(raw, 'homepage');
  if (homepage !== undefined && homepage !== '') draft.homepage = homepage;
  const authors = Array.isArray(raw.authors) ? raw.authors.flatMap((author) => (isRecord(author) && typeof author.name === 'string' && author.name !== '' ? [author.name] : [])) : [];
  if (authors.length > 0) {
    draft.supplier = authors.join(', ');
    draft.metadata.authors = authors.join(', ');
  }
  return { draft, requires: linkNames(raw.require), provides: [...linkNames(raw.replace), ...linkNames(raw.provide)] };
}
