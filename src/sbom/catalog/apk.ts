/**
 * Alpine packages from the apk database, `/lib/apk/db/installed`: blocks of `X:value` lines
 * separated by blank lines, one block per installed package (apk-tools "installed database").
 * @module
 */
import { normalizeLicense } from '../license.js';
import { apkPurl } from '../purl.js';
import type { CatalogContext, CatalogFile, CatalogResult, Cataloger, PackageDraft, RelationshipDraft } from './cataloger.js';

interface ApkEntry {
  draft: PackageDraft;
  depends: string[];
}

/** The apk database cataloger (`apk-db`). */
export const apkCataloger: Cataloger = {
  name: 'apk-db',
  sources: ['image', 'directory'],
  patterns: ['lib/apk/db/installed'],
  maxFileSize: 128 * 1024 * 1024,
  parse: parseApk,
};

function parseApk(files: readonly CatalogFile[], context: CatalogContext): CatalogResult {
  const entries: ApkEntry[] = [];
  const byName = new Map<string, ApkEntry>();
  const byProvided = new Map<string, ApkEntry>();
  const byFile = new Map<string, ApkEntry>();
  for (const file of files) {
    for (const block of splitBlocks(file.content.toString('utf8'))) {
      let entry: ApkEntry | undefined;
      try {
        entry = toEntry(block, file.path, context);
      } catch (error) {
        context.warn({ code: 'METADATA_UNPARSABLE', message: `unreadable apk package block: ${(error as Error).message}`, path: file.path });
      }
      if (entry === undefined || byName.has(entry.draft.name)) continue;
      // the F:/R: lines are parsed anyway; they relate the packages apk installed files for
      entry.draft.ownedFiles = block.files;
      entries.push(entry);
      byName.set(entry.draft.name, entry);
      // provides and owned files: the first package claiming a name keeps it, as apk does for the installed one
      for (const provided of block.provides) if (!byProvided.has(provided)) byProvided.set(provided, entry);
      for (const owned of block.files) if (!byFile.has(owned)) byFile.set(owned, entry);
    }
  }
  const relationships: RelationshipDraft[] = [];
  for (const entry of entries) {
    const linked = new Set<string>();
    for (const dependency of entry.depends) {
      const target = byName.get(dependency) ?? byProvided.get(dependency) ?? (dependency.startsWith('/') ? byFile.get(dependency) : undefined);
      if (target === undefined || target === entry || linked.has(target.draft.ref)) continue;
      linked.add(target.draft.ref);
      relationships.push({ from: entry.draft.ref, to: target.draft.ref, type: 'depends-on' });
    }
  }
  return { packages: entries.map((entry) => entry.draft), relationships };
}

/** One package block, with the fields sealkit reads. */
interface ApkBlock {
  fields: Map<string, string>;
  depends: string[];
  provides: string[];
  /** Absolute paths from the `F:` (folder) and `R:` (file) lines. */
  files: string[];
}

function splitBlocks(text: string): ApkBlock[] {
  const blocks: ApkBlock[] = [];
  let current: ApkBlock | undefined;
  let folder = '';
  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line === '') {
      current = undefined;
      continue;
    }
    if (line.length < 2 || line[1] !== ':') continue;
    if (current === undefined) {
      current = { fields: new Map(), depends: [], provides: [], files: [] };
      folder = '';
      blocks.push(current);
    }
    const key = line[0] as string;
    const value = line.slice(2);
    switch (key) {
      case 'D':
        current.depends.push(...value.split(/\s+/).filter((token) => token !== '' && !token.startsWith('!')).map(relationName));
        break;
      case 'p':
        current.provides.push(...value.split(/\s+/).filter((token) => token !== '').map(relationName));
        break;
      case 'F':
        folder = value;
        break;
      case 'R':
        current.files.push(`/${folder === '' ? '' : `${folder}/`}${value}`);
        break;
      default:
        // the first value wins: later single-letter keys (checksums, ACLs) never repeat these
        if (!current.fields.has(key)) current.fields.set(key, value);
    }
  }
  return blocks;
}

/** `so:libc.musl-x86_64.so.1=1`, `cmd:sh`, `musl>=1.2` -> the name part. */
function relationName(token: string): string {
  const cut = token.search(/[<>=~]/);
  return cut < 0 ? token : token.slice(0, cut);
}

function toEntry(block: ApkBlock, path: string, context: CatalogContext): ApkEntry | undefined {
  const { fields } = block;
  const name = nonEmpty(fields.get('P'));
  const version = nonEmpty(fields.get('V'));
  if (name === undefined || version === undefined) {
    context.warn({ code: 'METADATA_UNPARSABLE', message: `apk package block without ${name ? `V: (${name})` : 'P:'}`, path });
    return undefined;
  }
  const architecture = nonEmpty(fields.get('A'));
  const origin = nonEmpty(fields.get('o'));
  const metadata: Record<string, string> = {};
  if (architecture !== undefined) metadata.architecture = architecture;
  if (origin !== undefined) metadata.origin = origin;
  const installedSize = nonEmpty(fields.get('I'));
  if (installedSize !== undefined) metadata.installedSize = installedSize;
  const commit = nonEmpty(fields.get('c'));
  if (commit !== undefined) metadata.commit = commit;
  const license = nonEmpty(fields.get('L'));
  const draft: PackageDraft = {
    ref: name,
    name,
    version,
    type: 'apk',
    purl: apkPurl({ name, version, architecture, origin }, context.distro),
    licenses: license === undefined ? [] : [normalizeLicense(license)],
    metadata,
    locations: [{ path }],
  };
  const description = nonEmpty(fields.get('T'));
  if (description !== undefined) draft.description = description;
  const homepage = nonEmpty(fields.get('U'));
  if (homepage !== undefined) draft.homepage = homepage;
  const maintainer = nonEmpty(fields.get('m'));
  if (maintainer !== undefined) draft.supplier = maintainer;
  return { draft, depends: block.depends };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
