/**
 * Java archives (`java-archive`): `.jar`, `.war`, `.ear` and the other zip-based archives syft
 * reads, with the archives nested in them. Each archive is read through random access from its
 * zip central directory, so a large one is never held in memory.
 *
 * A package found several times (the same jar in two places, or a library both on its own and
 * inside a fat jar) is one package with several locations. Locations are paths in the image;
 * the path inside an archive of the first occurrence is `metadata.virtualPath`. The package of an
 * archive `contains` the packages of the archives nested in it and of the Maven metadata packed
 * in it (a shaded jar's libraries).
 * @module
 */
import {
  bufferContent,
  type CatalogContext,
  type CatalogFile,
  type CatalogResult,
  type Cataloger,
  type PackageDraft,
  type RelationshipDraft,
} from '../cataloger.js';
import { JAVA_ARCHIVE_EXTENSIONS, walkJavaArchive, type FoundPackage } from './archive-walk.js';

/** The Java archive cataloger (`java-archive`). */
export const javaArchiveCataloger: Cataloger = {
  name: 'java-archive',
  sources: ['image', 'directory'],
  patterns: JAVA_ARCHIVE_EXTENSIONS.map((extension) => `**/*.${extension}`),
  // archives are read in place (or from a spilled temporary file), not buffered whole
  maxFileSize: 2 * 1024 * 1024 * 1024,
  randomAccess: true,
  parse: parseJavaArchives,
};

function parseJavaArchives(files: readonly CatalogFile[], context: CatalogContext): CatalogResult {
  const byPurl = new Map<string, PackageDraft>();
  // one edge per holder and held package, however many archives repeat it
  const contains = new Map<string, RelationshipDraft>();
  for (const file of files) {
    const source = file.reader ?? bufferContent(file.content);
    let packages: FoundPackage[];
    try {
      packages = walkJavaArchive(source, file.path, (warning) => context.warn(warning));
    } catch (error) {
      // the walk turns every reading problem into a warning; anything else is a bug, but one
      // archive must not cost the whole SBOM
      context.warn({ code: 'METADATA_UNPARSABLE', message: `Java archive not read: ${(error as Error).message}`, path: file.path });
      continue;
    }
    for (const found of packages) {
      const draft = byPurl.get(found.purl);
      if (draft === undefined) byPurl.set(found.purl, toDraft(found, file.path));
      else if (!draft.locations.some((location) => location.path === file.path)) draft.locations.push({ path: file.path });
      // drafts are keyed by purl, so a purl is also the ref the relationship names
      if (found.parent !== undefined) contains.set(`${found.parent}\u0000${found.purl}`, { from: found.parent, to: found.purl, type: 'contains' });
    }
  }
  return { packages: [...byPurl.values()], relationships: [...contains.values()] };
}

function toDraft(found: FoundPackage, path: string): PackageDraft {
  const { identity } = found;
  const draft: PackageDraft = {
    ref: found.purl,
    name: identity.artifactId,
    version: identity.version,
    type: 'java',
    purl: found.purl,
    licenses: identity.licenses,
    metadata: { groupId: identity.groupId, identifiedBy: identity.source, virtualPath: found.virtualPath },
    locations: [{ path }],
  };
  if (identity.description !== undefined) draft.description = identity.description;
  if (identity.homepage !== undefined) draft.homepage = identity.homepage;
  if (identity.supplier !== undefined) draft.supplier = identity.supplier;
  return draft;
}
