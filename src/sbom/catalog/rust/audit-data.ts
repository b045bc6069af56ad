/**
 * The dependency data `cargo auditable` embeds in Rust executables: a zlib-compressed JSON
 * document (the `VersionInfo` of rust-secure-code's `auditable-serde`) in a section named
 * `.dep-v0` (Mach-O: `__DATA,.dep-v0`). Packages refer to their dependencies by index.
 * @module
 */
import { inflateSync } from 'node:zlib';
import { findSection, readSection, type Executable } from '../../readers/executable/index.js';

/** Upstream's advice for a bound on the inflated JSON: real data is a few kilobytes. */
export const MAX_AUDIT_JSON = 8 * 1024 * 1024;
/** The compressed section can be no larger than the JSON it inflates to, give or take zlib's framing. */
const MAX_AUDIT_SECTION = MAX_AUDIT_JSON;

/** One crate of the build, as recorded. */
export interface AuditPackage {
  name: string;
  version: string;
  /** `crates.io`, `git`, `local`, `registry`, or another source name. */
  source: string;
  /** `runtime` (linked into the binary) or `build` (build scripts and proc-macros only). */
  kind: 'runtime' | 'build';
  /** Indices into {@link AuditData.packages}. */
  dependencies: number[];
  root: boolean;
}

/** The decoded document. */
export interface AuditData {
  /** Format revision (0 when absent): 1 records proc-macros as build dependencies, 8 comes from Cargo's SBOM precursor. */
  format: number;
  packages: AuditPackage[];
}

/** Thrown for a `.dep-v0` section that is there but not valid audit data. */
export class AuditDataError extends Error {
  override readonly name = 'AuditDataError';
}

/** The `.dep-v0` section's bytes, or undefined when the executable has none (it was not built with `cargo auditable`). */
export function readAuditSection(executable: Executable): Buffer | undefined {
  const section = executable.format === 'macho' ? findSection(executable, '.dep-v0', '__DATA') : findSection(executable, '.dep-v0');
  return section === undefined ? undefined : readSection(executable, section, MAX_AUDIT_SECTION);
}

/** Inflates and validates the section's content. */
export function decodeAuditData(compressed: Buffer): AuditData {
  let json: Buffer;
  try {
    json = inflateSync(compressed, { maxOutputLength: MAX_AUDIT_JSON });
  } catch (error) {
    const tooLarge = (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
    throw new AuditDataError(tooLarge ? `.dep-v0 inflates to more than ${MAX_AUDIT_JSON} bytes` : `.dep-v0 is not zlib data: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (error) {
    throw new AuditDataError(`.dep-v0 is not UTF-8 JSON: ${(error as Error).message}`);
  }
  if (!isObject(document) || !Array.isArray(document.packages)) throw new AuditDataError('.dep-v0 JSON has no packages array');
  const format = document.format === undefined ? 0 : document.format;
  if (typeof format !== 'number' || !Number.isInteger(format) || format < 0) throw new AuditDataError('.dep-v0 format is not a non-negative integer');
  const count = document.packages.length;
  const packages = document.packages.map((entry, index) => toPackage(entry, index, count));
  return { format, packages };
}

function toPackage(entry: unknown, index: number, count: number): AuditPackage {
  const where = `.dep-v0 package ${index}`;
  if (!isObject(entry)) throw new AuditDataError(`${where} is not an object`);
  const { name, version, source, kind = 'runtime', dependencies = [], root = false } = entry;
  if (typeof name !== 'string' || name === '') throw new AuditDataError(`${where} has no name`);
  if (typeof version !== 'string' || version === '') throw new AuditDataError(`${where} (${name}) has no version`);
  if (kind !== 'runtime' && kind !== 'build') throw new AuditDataError(`${where} (${name}) has an unknown kind`);
  if (typeof root !== 'boolean') throw new AuditDataError(`${where} (${name}) has a root flag that is not a boolean`);
  if (!Array.isArray(dependencies) || !dependencies.every((d) => Number.isInteger(d) && d >= 0 && d < count)) {
    throw new AuditDataError(`${where} (${name}) lists a dependency that is not one of the ${count} packages`);
  }
  return { name, version, source: sourceName(source, where), kind, dependencies: dependencies as number[], root };
}

/** Sources serialize as a plain string; the schema also allows `{ "Other": "…" }`. */
function sourceName(source: unknown, where: string): string {
  if (typeof source === 'string' && source !== '') return source;
  if (isObject(source) && typeof source.Other === 'string') return source.Other;
  throw new AuditDataError(`${where} has no source`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
