/**
 * Rust crates compiled into executables built with `cargo auditable`, from the `.dep-v0`
 * section it embeds in ELF, Mach-O and PE binaries: every crate linked in, with the dependency
 * graph between them. Crates used only at build time (build scripts, proc-macros, when the
 * format records them as such) are left out, as syft leaves them out: they are not in the
 * binary. Executables are selected by their first bytes and read through random access; files
 * without the section are skipped without a word.
 * @module
 */
import { EXECUTABLE_MAGIC, ExecutableError, MAX_EXECUTABLE_SIZE, readExecutables } from '../../readers/executable/index.js';
import { buildPurl } from '../../purl.js';
import { bufferContent, type CatalogContext, type CatalogFile, type CatalogResult, type Cataloger, type PackageDraft } from '../cataloger.js';
import { AuditDataError, decodeAuditData, readAuditSection, type AuditData } from './audit-data.js';

/** The cargo-auditable cataloger (`rust-cargo-auditable`). */
export const cargoAuditableCataloger: Cataloger = {
  name: 'rust-cargo-auditable',
  sources: ['image', 'directory'],
  patterns: [],
  magic: EXECUTABLE_MAGIC,
  randomAccess: true,
  maxFileSize: MAX_EXECUTABLE_SIZE,
  parse: parseAuditableBinaries,
};

function parseAuditableBinaries(files: readonly CatalogFile[], context: CatalogContext): CatalogResult {
  const result: CatalogResult = { packages: [], relationships: [] };
  for (const file of files) {
    try {
      // a universal binary's slices usually carry the same data: one package per crate and file
      const seen = new Map<string, PackageDraft>();
      for (const executable of readExecutables(file.reader ?? bufferContent(file.content))) {
        const section = readAuditSection(executable);
        if (section !== undefined) addAuditData(result, seen, file.path, decodeAuditData(section));
      }
    } catch (error) {
      if (!(error instanceof ExecutableError || error instanceof AuditDataError)) throw error;
      context.warn({
        code: error instanceof ExecutableError && error.code === 'FILE_TOO_LARGE' ? 'FILE_TOO_LARGE' : 'METADATA_UNPARSABLE',
        message: `unreadable cargo auditable data: ${error.message}`,
        path: file.path,
      });
    }
  }
  return result;
}

function addAuditData(result: CatalogResult, seen: Map<string, PackageDraft>, path: string, data: AuditData): void {
  const drafts = data.packages.map((crate) => {
    if (crate.kind !== 'runtime') return undefined;
    const purl = buildPurl({ type: 'cargo', name: crate.name, version: crate.version });
    const existing = seen.get(purl);
    if (existing !== undefined) return existing;
    const metadata: Record<string, string> = { source: crate.source, auditFormat: String(data.format) };
    if (crate.root) metadata.root = 'true';
    const draft: PackageDraft = { ref: `${path}#${purl}`, name: crate.name, version: crate.version, type: 'rust', purl, licenses: [], metadata, locations: [{ path }] };
    seen.set(purl, draft);
    result.packages.push(draft);
    return draft;
  });
  const edges = new Set(result.relationships.map((r) => `${r.from}\u0000${r.to}`));
  data.packages.forEach((crate, index) => {
    const from = drafts[index];
    if (from === undefined) return;
    for (const dependency of crate.dependencies) {
      const to = drafts[dependency];
      if (to === undefined || to === from || edges.has(`${from.ref}\u0000${to.ref}`)) continue;
      edges.add(`${from.ref}\u0000${to.ref}`);
      result.relationships.push({ from: from.ref, to: to.ref, type: 'depends-on' });
    }
  });
}
