/**
 * sealkit's own small SBOM model. Catalogers produce it, serializers read it; neither knows
 * about the other, so a new format never touches a cataloger and a new ecosystem never
 * touches a serializer.
 * @module
 */

/** Where a package was found: a path inside the source and, for images, the layer. */
export interface Location {
  /** Absolute path inside the image root or the scanned directory, e.g. `/var/lib/dpkg/status`. */
  path: string;
  /** The diffID (`sha256:…` of the uncompressed layer) of the layer holding that file. */
  layer?: string;
}

/** The ecosystem a package belongs to; it decides the purl type. */
export type PackageType = 'deb' | 'apk' | 'rpm' | 'npm' | 'python' | 'java' | 'go' | 'rust' | 'ruby' | 'php' | 'dotnet';

/**
 * A declared license: normalized to an SPDX expression when that is certain,
 * otherwise kept verbatim as a name. Never dropped, never guessed.
 */
export type License = { expression: string } | { name: string };

/** One package found in a source. */
export interface Package {
  /**
   * Unique within an {@link Sbom}: the package's purl, as a package found several times (by two
   * catalogers, in two layers, alone and nested in an archive) is one package. The same input
   * gives the same ids (used as bom-ref / SPDXID seed).
   */
  id: string;
  name: string;
  version: string;
  type: PackageType;
  /** package-url, see https://github.com/package-url/purl-spec */
  purl: string;
  licenses: License[];
  /** Every place the package was found; sorted; at least one. */
  locations: Location[];
  /** Name of the cataloger that found it, e.g. `dpkg-db`; when several did, the first in registry order. */
  foundBy: string;
  /** Ecosystem-specific facts (architecture, source package, maintainer…); string values only. */
  metadata: Record<string, string>;
  /** Free-text summary, when the metadata gives one. */
  description?: string;
  /** Upstream home page. */
  homepage?: string;
  /** Person or organisation that published the package. */
  supplier?: string;
  /**
   * True when every lockfile that has the package locks it only for development; absent
   * otherwise. `excludeDev` leaves such packages out.
   */
  dev?: boolean;
}

/**
 * A project that the scanned lockfiles or manifests describe (the root package, a workspace
 * member): the SBOM's subject, never one of its {@link Sbom.packages}.
 */
export interface Project {
  /**
   * Unique within an {@link Sbom} and distinct from every package id: `project:` and the purl;
   * without one, `project:`, the folder of its first location, `#` and its name.
   */
  id: string;
  name: string;
  version?: string;
  purl?: string;
  /** The lockfiles and manifests that describe it; sorted; at least one. */
  locations: Location[];
}

/**
 * How `from` relates to `to`:
 * - `depends-on`, `dev-depends-on`, `optional-depends-on`: `from` needs `to` (at run time, to be
 *   developed, or when present), as the package manager's metadata says;
 * - `contains`: `from` is an archive that holds `to` (a jar nested in a jar, war or ear, or a
 *   library whose Maven metadata is packed inside another's archive);
 * - `owns`: `from` is an OS package (deb, rpm, apk) whose file list holds a file `to` was found
 *   by (its metadata file, archive or executable): the OS package installed it. Both stay in
 *   the SBOM, each with its own identity.
 */
export type RelationshipType = 'depends-on' | 'dev-depends-on' | 'optional-depends-on' | 'contains' | 'owns';

/** A directed relationship between two packages (or a project and a package) of the same {@link Sbom}. */
export interface Relationship {
  /** {@link Package.id} of the dependent, the archive or the OS package; or a {@link Project.id}. */
  from: string;
  /** {@link Package.id} of the dependency, the nested or the installed package. */
  to: string;
  type: RelationshipType;
}

/** The operating system an image or root filesystem was built on. */
export interface Distro {
  /** `ID` from os-release, e.g. `debian`, `alpine`, `ubuntu`. */
  id: string;
  /** `VERSION_ID` from os-release, e.g. `12`. */
  versionId?: string;
  /** The most precise version known (`12.10` from debian_version, `3.19.1` from alpine-release). */
  version?: string;
  /** `VERSION_CODENAME`, e.g. `bookworm`. */
  codename?: string;
  prettyName?: string;
  idLike?: string[];
}

/** One layer of an image, in the order layers are applied. */
export interface LayerInfo {
  index: number;
  /** sha256 of the uncompressed layer tar, from the image config (`rootfs.diff_ids`). */
  diffID: string;
  /** Digest of the blob as stored (compressed) in the archive, when known. */
  digest?: string;
  mediaType?: string;
  /** Size of the stored blob in bytes. */
  size?: number;
  /** The `created_by` of the history entry that made this layer, when the config records it. */
  createdBy?: string;
}

/** What was scanned. */
export interface SourceDescription {
  kind: 'image' | 'directory' | 'lockfile';
  /** How the source was given (`oci-archive`, `docker-archive`, `oci-dir`, `dir`, `lockfile`, `registry`). */
  scheme: 'docker-archive' | 'oci-archive' | 'oci-dir' | 'dir' | 'lockfile' | 'registry';
  /** The path or image reference given by the caller, as given. */
  location: string;
  /** Image reference (`debian:bookworm`; `host/repository` from a registry) or the directory / file name. */
  name: string;
  /** Image tag, when the archive or the registry reference names one. */
  tag?: string;
  /**
   * Digest of the image manifest scanned, when known (always from a registry; OCI layouts,
   * recent docker save). From a multi-platform image, the chosen platform's manifest.
   */
  manifestDigest?: string;
  /**
   * Digest of the multi-platform index the registry reference resolved to, when it named one;
   * {@link manifestDigest} is then the manifest of the platform picked from it.
   */
  indexDigest?: string;
  /** Digest of the image config: the image ID. */
  imageId?: string;
  /** Platform of the image scanned, `os/arch[/variant]`. */
  platform?: string;
  layers: LayerInfo[];
}

/** Something the scan could not fully use; reported, never swallowed. */
export interface SbomWarning {
  /**
   * `METADATA_UNPARSABLE`: metadata that could not be read as its format (as a rule a whole
   * file, of which nothing was used). `PACKAGE_SKIPPED`: an entry of a file that was read (a
   * lockfile entry without a version, a requirement that pins none, a line or a dependency that
   * names no locked package) was left out, the message says which and why, and the rest of the
   * file was used.
   */
  code: 'FILE_TOO_LARGE' | 'LINK_NOT_FOLLOWED' | 'METADATA_UNPARSABLE' | 'PACKAGE_SKIPPED' | 'PATH_UNREADABLE';
  message: string;
  path?: string;
  layer?: string;
}

/** The complete result of {@link generateSbom}, independent of any output format. */
export interface Sbom {
  source: SourceDescription;
  distro?: Distro;
  /** Sorted by purl, then id. */
  packages: Package[];
  /**
   * The projects of a directory or lockfile source, sorted by id; absent or empty for images.
   * With one, it is the document's subject; with several, they are the parts of the scanned
   * directory, which is the subject.
   */
  projects?: Project[];
  /** Sorted by from, to, type; never two with the same from, to and type. */
  relationships: Relationship[];
  warnings: SbomWarning[];
  /** Creation time written into documents. */
  timestamp: Date;
  /** `all-layers` or `squashed`. */
  scope: Scope;
  tool: { name: string; version: string };
}

/** Which packages of an image to report. */
export type Scope = 'squashed' | 'all-layers';
