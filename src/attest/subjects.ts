/**
 * What provenance is about: subject inputs (files, bytes, streams, digests, each with a name)
 * turned into in-toto subjects. Everything is checked before the first byte is read; then
 * each artifact is read once, streaming, with all requested digests computed in that pass.
 * @module
 */
import { basename } from 'node:path';
import { UsageError, throwIfAborted } from '../errors.js';
import type { InTotoSubject } from '../sign/dsse.js';
import type { SignProgress } from '../sign/sign-options.js';
import { digestArtifact, isPrecomputedDigest, type ArtifactInput } from '../util/artifact-digest.js';

/** The digests a subject can carry: SHA-256 (the default) and SHA-512 (what npm uses). */
export type SubjectDigestAlgorithm = 'sha256' | 'sha512';

/** Digests of an artifact computed elsewhere, as hex (a `sha256:`/`sha512:` prefix is allowed). */
export interface SubjectDigests {
  sha256?: string;
  sha512?: string;
}

/**
 * One subject of a provenance statement:
 *
 * - an {@link ArtifactInput}: a file path (named by its base name), bytes, a readable stream,
 *   or `{ sha256 }`; a string `sha256:<hex>` or `sha512:<hex>` is a digest, never a path;
 * - `{ artifact, name }`: any of those with a name (a purl, an image reference, a file name);
 * - `{ name, digest: { sha256?, sha512? } }`: digests computed elsewhere.
 *
 * Bytes, streams and digests have no name of their own: they need one.
 */
export type ProvenanceSubject =
  | ArtifactInput
  | { artifact: ArtifactInput; name: string }
  | { name: string; digest: SubjectDigests };

/** Options of {@link resolveSubjects}. */
export interface ResolveSubjectsOptions {
  /** Digests to compute for artifacts that are read. Default `['sha256']`. */
  digestAlgorithms?: readonly SubjectDigestAlgorithm[];
  signal?: AbortSignal;
  onProgress?: (progress: SignProgress) => void;
}

type Planned =
  | { kind: 'read'; name: string; artifact: Exclude<ArtifactInput, { sha256: string }> }
  | { kind: 'digest'; name: string; digest: Record<string, string> };

const HEX_LENGTH: Readonly<Record<SubjectDigestAlgorithm, number>> = { sha256: 64, sha512: 128 };
const DIGEST_STRING = /^(sha256|sha512):/i;

/**
 * Turns `subjects` into in-toto subjects `{ name, digest }`, in the order given, without
 * duplicates (same name and same digests).
 *
 * Read artifacts get the digests of `digestAlgorithms`; digest subjects keep exactly the
 * digests they were given.
 *
 * @throws {UsageError} INVALID_ARGUMENT for an empty list, a subject without a name, or a
 *   digest that is not hexadecimal of the right length.
 * @throws {SealkitError} ARTIFACT_UNREADABLE when a file or stream cannot be read.
 */
export async function resolveSubjects(
  subjects: ProvenanceSubject | readonly ProvenanceSubject[],
  options: ResolveSubjectsOptions = {},
): Promise<InTotoSubject[]> {
  const list = Array.isArray(subjects) ? (subjects as readonly ProvenanceSubject[]) : [subjects as ProvenanceSubject];
  if (list.length === 0) throw new UsageError('INVALID_ARGUMENT', 'there are no subjects: give at least one artifact to attest');
  const algorithms = digestAlgorithms(options.digestAlgorithms);
  const planned = list.map((subject, i) => plan(subject, `subject[${i}]`));

  const toRead = planned.filter((p) => p.kind === 'read').length;
  let bytesBefore = 0;
  const result: InTotoSubject[] = [];
  const seen = new Set<string>();
  for (const subject of planned) {
    throwIfAborted(options.signal);
    let digest: Record<string, string>;
    if (subject.kind === 'digest') {
      digest = subject.digest;
    } else {
      const read = await digestArtifact(subject.artifact, {
        algorithms: algorithms.filter((a) => a !== 'sha256'),
        signal: options.signal,
        onProgress: (bytes, totalBytes) =>
          options.onProgress?.({ stage: 'hash', bytes: bytesBefore + bytes, totalBytes: toRead === 1 ? totalBytes : undefined }),
      });
      bytesBefore += read.size ?? 0;
      digest = {};
      for (const algorithm of algorithms) digest[algorithm] = (read.digests[algorithm] as Buffer).toString('hex');
    }
    const key = JSON.stringify([subject.name, Object.entries(digest).sort(([a], [b]) => a.localeCompare(b))]);
    if (seen.has(key)) continue;
    seen.add(key);
    result.push({ name: subject.name, digest });
  }
  return result;
}

function digestAlgorithms(value: readonly SubjectDigestAlgorithm[] | undefined): SubjectDigestAlgorithm[] {
  if (value === undefined) return ['sha256'];
  if (!Array.isArray(value) || value.length === 0) {
    throw new UsageError('INVALID_ARGUMENT', 'digestAlgorithms must list sha256, sha512 or both');
  }
  const algorithms: SubjectDigestAlgorithm[] = [];
  for (const algorithm of value) {
    if (algorithm !== 'sha256' && algorithm !== 'sha512') {
      throw new UsageError('INVALID_ARGUMENT', `unsupported subject digest algorithm ${JSON.stringify(algorithm)}: use sha256 or sha512`);
    }
    if (!algorithms.includes(algorithm)) algorithms.push(algorithm);
  }
  // A fixed order keeps statements identical whatever order the options listed.
  return algorithms.sort();
}

function plan(subject: ProvenanceSubject, label: string): Planned {
  if (isNamed(subject)) {
    const name = subjectName(subject.name, label);
    if ('digest' in subject && 'artifact' in subject) {
      throw new UsageError('INVALID_ARGUMENT', `${label} has both an artifact and a digest: give one of them`);
    }
    if ('digest' in subject) return { kind: 'digest', name, digest: digestObject(subject.digest, label) };
    return plan1(subject.artifact, name, label);
  }
  return plan1(subject, undefined, label);
}

/** A subject that carries its own name: `{ artifact, name }` or `{ name, digest }`. */
function isNamed(subject: ProvenanceSubject): subject is Extract<ProvenanceSubject, { name: string }> {
  return (
    typeof subject === 'object' &&
    subject !== null &&
    !(subject instanceof Uint8Array) &&
    !(Symbol.asyncIterator in subject) &&
    ('artifact' in subject || 'digest' in subject)
  );
}

function plan1(artifact: ArtifactInput, name: string | undefined, label: string): Planned {
  if (typeof artifact === 'string') {
    const prefixed = DIGEST_STRING.exec(artifact.trim());
    if (prefixed?.[1]) {
      const algorithm = prefixed[1].toLowerCase() as SubjectDigestAlgorithm;
      const hex = hexDigest(artifact.trim().slice(prefixed[0].length), algorithm, label);
      return { kind: 'digest', name: requireName(name, label, 'a digest'), digest: { [algorithm]: hex } };
    }
    if (artifact === '') throw new UsageError('INVALID_ARGUMENT', `${label} is an empty path`);
    // attestProvenance resolves registry subjects to digests first; one left here is no file.
    if (artifact.startsWith('registry:')) {
      throw new UsageError('INVALID_ARGUMENT', `${label} is an image in a registry (${artifact}): resolve it to { name, digest } first, or attest it with attestProvenance`);
    }
    return { kind: 'read', name: name ?? basename(artifact), artifact };
  }
  if (artifact instanceof Uint8Array) return { kind: 'read', name: requireName(name, label, 'bytes'), artifact };
  if (typeof artifact === 'object' && artifact !== null && Symbol.asyncIterator in artifact) {
    return { kind: 'read', name: requireName(name, label, 'a stream'), artifact };
  }
  if (typeof artifact === 'object' && artifact !== null && isPrecomputedDigest(artifact)) {
    const digest = digestObject({ sha256: artifact.sha256 }, label);
    return { kind: 'digest', name: requireName(name, label, 'a digest'), digest };
  }
  throw new UsageError(
    'INVALID_ARGUMENT',
    `${label} must be a path, bytes, a readable stream, a digest ("sha256:<hex>", { sha256 }), { artifact, name } or { name, digest }`,
  );
}

function requireName(name: string | undefined, label: string, what: string): string {
  if (name !== undefined) return name;
  throw new UsageError(
    'INVALID_ARGUMENT',
    `${label} is ${what} and has no name: give it one with { artifact, name } (or { name, digest }), e.g. the file name or a purl`,
  );
}

function subjectName(name: unknown, label: string): string {
  if (typeof name !== 'string' || name.trim() === '') throw new UsageError('INVALID_ARGUMENT', `${label}.name must be a non-empty string`);
  return name;
}

function digestObject(digest: unknown, label: string): Record<string, string> {
  if (typeof digest !== 'object' || digest === null || Array.isArray(digest)) {
    throw new UsageError('INVALID_ARGUMENT', `${label}.digest must be { sha256?, sha512? }`);
  }
  const result: Record<string, string> = {};
  for (const [algorithm, value] of Object.entries(digest)) {
    if (value === undefined) continue;
    if (algorithm !== 'sha256' && algorithm !== 'sha512') {
      throw new UsageError('INVALID_ARGUMENT', `${label}.digest.${algorithm} is not supported: give sha256 and/or sha512`);
    }
    if (typeof value !== 'string') throw new UsageError('INVALID_ARGUMENT', `${label}.digest.${algorithm} must be a hex string`);
    const bare = value.trim().replace(new RegExp(`^${algorithm}:`, 'i'), '');
    result[algorithm] = hexDigest(bare, algorithm, `${label}.digest`);
  }
  if (Object.keys(result).length === 0) throw new UsageError('INVALID_ARGUMENT', `${label}.digest has neither sha256 nor sha512`);
  return result;
}

function hexDigest(hex: string, algorithm: SubjectDigestAlgorithm, label: string): string {
  const length = HEX_LENGTH[algorithm];
  if (hex.length !== length || !/^[0-9a-f]+$/i.test(hex)) {
    throw new UsageError('INVALID_ARGUMENT', `${label}: ${algorithm} must be ${length} hexadecimal digits (optionally prefixed with "${algorithm}:")`, {
      details: { algorithm },
    });
  }
  return hex.toLowerCase();
}
