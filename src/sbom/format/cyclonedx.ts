/**
 * CycloneDX JSON serializer for spec versions 1.7, 1.6, 1.5 and 1.4, built on
 * `@cyclonedx/cyclonedx-library`: sealkit's model becomes the library's models
 * (`cyclonedx-bom.ts`), the library's normalizer shapes them for the requested spec version,
 * and sealkit then adds the two things the library does not do for it: `evidence.occurrences`
 * (not in the library's model) and a serial number derived from the document's content.
 *
 * The library's `JsonSerializer` is not used because it returns a finished string; its own
 * normalizer is, so that these additions happen before serialization rather than through a
 * parse and re-serialize round trip.
 * @module
 */
import type * as Serialize from '@cyclonedx/cyclonedx-library/Serialize';
import type { Sbom } from '../model.js';
import { buildBom, compareStrings, occurrencesByRef, SERIAL_NUMBER_NAMESPACE, SPECS, uuidOf, type CycloneDxVersion } from './cyclonedx-bom.js';
import { cycloneDxJson } from './cyclonedx-library.js';
import { encodeJson, hashJson, jsonPieces } from './json-text.js';

export { nameBasedUuid, type CycloneDxVersion } from './cyclonedx-bom.js';

type NormalizedBom = Serialize.JSON.Types.Normalized.Bom;
type NormalizedComponent = Serialize.JSON.Types.Normalized.Component;

/**
 * Serializes `sbom` as a CycloneDX JSON document of spec `version`: pretty-printed with two
 * spaces and a trailing newline, byte-identical for the same input.
 *
 * The document:
 * - `metadata.component` is the subject (see `buildBom`): the one project a source describes, or
 *   else the scanned source: the image (`container`, version = manifest digest or image id, image
 *   and layer facts as `sealkit:image:*` properties) or the directory or lockfile
 *   (`application`), whose nested `components` are its projects when it has several;
 *   `metadata.tools` names sealkit (as `tools.components` from 1.5 on);
 * - the distro, when known, is an `operating-system` component;
 * - every package is a `library` component whose bom-ref is its {@link Package.id}, with
 *   `sealkit:package:*`, `sealkit:location:<n>:*` and `sealkit:metadata:<key>` properties and, from
 *   1.5 on, `evidence.occurrences` (1.6 and 1.7 name the layer in `additionalContext`); a package
 *   locked only for development has `scope: excluded` and `sealkit:package:dev` = `true`;
 * - `dependencies` lists every component; each `dependsOn` holds the targets of the package's
 *   relationships of every type, a project's too (its direct dependencies). CycloneDX has no edge types, so an edge other than `depends-on`
 *   is also recorded on its source as a `sealkit:relationship:<type>` property naming the
 *   target's bom-ref (`dev-depends-on`, `optional-depends-on`, `contains`, `owns`). A source
 *   component that is not a project has no `dependsOn`: the model records what a source
 *   contains, not which packages it uses directly;
 * - containment (`contains`: a jar nested in a fat jar) and ownership (`owns`: the deb that
 *   installed a Python distribution) are `dependsOn` edges too, not nested `components`. Nesting
 *   is the spec's form for assemblies, but a component appears once in a BOM (every bom-ref is
 *   unique) and so under one parent only, while one package is often held by several: a Debian
 *   jar is owned by its deb and nested in an application's fat jar. A `dependsOn` edge from the
 *   holder says what a consumer needs to know: a flaw in the held package is a flaw in its
 *   holder. syft writes archive nesting the same way (its Java cataloger's dependency-of edges);
 *   trivy writes its own `contains` relationships as `dependsOn`;
 * - licenses are encoded as `cyclonedx-bom.ts` describes;
 * - `serialNumber` is a name-based UUID over the rest of the document, so equal inputs give equal
 *   documents and any change gives a new serial number. (The spec suggests a fresh serial number
 *   per generation; sealkit prefers reproducible builds, where regenerating must give the same bytes.)
 *
 * @throws {@link UsageError} `INVALID_ARGUMENT` when the model is inconsistent (duplicate or
 * empty package or project ids, a relationship naming an unknown package, an empty license expression,
 * an invalid timestamp).
 */
export function serializeCycloneDxJson(sbom: Sbom, version: CycloneDxVersion): string {
  return [...jsonPieces(cycloneDxDocument(sbom, version), 2), '\n'].join('');
}

/**
 * The UTF-8 bytes of {@link serializeCycloneDxJson}'s document, encoded a piece at a time: the
 * text is never held as one string (see `json-text.ts`).
 */
export function encodeCycloneDxJson(sbom: Sbom, version: CycloneDxVersion): Buffer {
  return encodeJson(cycloneDxDocument(sbom, version), '\n');
}

function cycloneDxDocument(sbom: Sbom, version: CycloneDxVersion): NormalizedBom {
  const factory = new (cycloneDxJson().Normalize.Factory)(SPECS[version]);
  const normalized = factory.makeForBom().normalize(buildBom(sbom), { sortLists: false });
  if (version !== '1.4') addOccurrences(normalized, sbom, version);
  normalized.dependencies?.sort((a, b) => compareStrings(a.ref, b.ref));
  // over the compact JSON text of the rest of the document, fed to the hash piece by piece
  normalized.serialNumber = `urn:uuid:${uuidOf(SERIAL_NUMBER_NAMESPACE, (hash) => hashJson(hash, normalized))}`;
  return normalized;
}

function addOccurrences(normalized: NormalizedBom, sbom: Sbom, version: Exclude<CycloneDxVersion, '1.4'>): void {
  const occurrences = occurrencesByRef(sbom, version);
  for (const component of normalized.components ?? []) {
    const found = component['bom-ref'] === undefined ? undefined : occurrences.get(component['bom-ref']);
    if (found === undefined) continue;
    component.evidence = { ...component.evidence, occurrences: found } as NormalizedComponent['evidence'];
  }
}
