/**
 * Installed npm packages: every `node_modules/<name>/package.json` and
 * `node_modules/@scope/<name>/package.json`. Dependencies are resolved the way Node resolves
 * them: from the dependent's directory up through each enclosing `node_modules`.
 * @module
 */
import { npmPurl } from '../purl.js';
import type { CatalogContext, CatalogFile, CatalogResult, Cataloger, PackageDraft, RelationshipDraft } from './cataloger.js';
import { declaredDependencies, lookupPaths, manifestAuthor, manifestLicenses, stringField, type DeclaredDependency } from './node-modules.js';
import { isRecord } from '../../util/is-record.js';

interface NpmEntry {
  draft: PackageDraft;
  dir: string;
  dependencies: DeclaredDependency[];
}

/** The installed-npm cataloger (`npm-installed`). */
export const npmCataloger: Cataloger = {
  name: 'npm-installed',
  sources: ['image', 'directory'],
  patterns: ['**/node_modules/*/package.json', '**/node_modules/@*/*/package.json'],
  maxFileSize: 4 * 1024 * 1024,
  parse: parseNpm,
};

function parseNpm(files: readonly CatalogFile[], context: CatalogContext): CatalogResult {
  const byDir = new Map<string, NpmEntry>();
  const entries: NpmEntry[] = [];
  for (const file of files) {
    let entry: NpmEntry | undefined;
    try {
      entry = toEntry(file, context);
    } catch (error) {
      context.warn({ code: 'METADATA_UNPARSABLE', message: `unreadable package.json: ${(error as Error).message}`, path: file.path });
    }
    if (entry === undefined) continue;
    entries.push(entry);
    byDir.set(entry.dir, entry);
  }
  const relationships: RelationshipDraft[] = [];
  for (const entry of entries) {
    for (const dependency of entry.dependencies) {
      const target = resolve(entry.dir, dependency.name, byDir, context);
      if (target === undefined || target === entry) continue;
      relationships.push({ from: entry.draft.ref, to: target.draft.ref, type: dependency.type });
    }
  }
  return { packages: entries.map((entry) => entry.draft), relationships };
}

function toEntry(file: CatalogFile, context: CatalogContext): NpmEntry | undefined {
  let manifest: unknown;
  try {
    manifest = JSON.parse(file.content.toString('utf8'));
  } catch (error) {
    context.warn({ code: 'METADATA_UNPARSABLE', message: `invalid package.json: ${(error as Error).message}`, path: file.path });
    return undefined;
  }
  if (!isRecord(manifest)) {
    context.warn({ code: 'METADATA_UNPARSABLE', message: 'package.json is not a JSON object', path: file.path });
    return undefined;
  }
  // a package.json without name or version (test fixtures, build folders) is not a package
  const name = stringField(manifest, 'name');
  const version = stringField(manifest, 'version');
  if (name === undefined || version === undefined) return undefined;
  const dir = file.path.slice(0, file.path.lastIndexOf('/'));
  const draft: PackageDraft = {
    ref: dir,
    name,
    version,
    type: 'npm',
    purl: npmPurl(name, version),
    licenses: manifestLicenses(manifest),
    metadata: {},
    locations: [{ path: file.path }],
  };
  const description = stringField(manifest, 'description');
  if (description !== undefined) draft.description = description;
  const homepage = stringField(manifest, 'homepage');
  if (homepage !== undefined) draft.homepage = homepage;
  const author = manifestAuthor(manifest);
  if (author !== undefined) {
    draft.supplier = author;
    draft.metadata.author = author;
  }
  return { draft, dir, dependencies: declaredDependencies(manifest) };
}

/**
 * The package Node would load for `name` from `dir`. A directory that is not a captured package
 * may still be a link to one (pnpm's layout, workspaces): the resolver says where it leads.
 */
function resolve(dir: string, name: string, byDir: ReadonlyMap<string, NpmEntry>, context: CatalogContext): NpmEntry | undefined {
  for (const candidate of lookupPaths(dir, name)) {
    const direct = byDir.get(candidate);
    if (direct !== undefined) return direct;
    const manifest = `${candidate}/package.json`;
    const target = context.resolver.resolve(manifest);
    if (target === undefined) continue;
    // Node stops at the first directory it finds, even one that is not a cataloged package
    return target === manifest ? undefined : byDir.get(target.slice(0, target.lastIndexOf('/')));
  }
  return undefined;
}
