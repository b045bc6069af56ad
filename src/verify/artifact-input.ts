/**
 * The artifact a verification is about: its bytes (a path, a Buffer, a stream), hashed once
 * with every algorithm the attestations name, or only its SHA-256 (`sha256:<hex>`).
 * @module
 */
import { UsageError } from '../errors.js';
import {
  digestArtifact,
  isPrecomputedDigest,
  parseDigest,
  type ArtifactInput,
  type DigestAlgorithm,
} from '../util/artifact-digest.js';

/**
 * The artifact to verify: a file path, its bytes, a readable stream, or a digest of it:
 * `'sha256:<hex>'` (or `sha384:`, `sha512:`, as npm names tarballs) or `{ sha256 }`. A string
 * of that digest form is always a digest, never a path.
 */
export type VerifyArtifactInput = ArtifactInput;

/** What verification knows of the artifact. */
export interface ArtifactDigests {
  /** Each digest computed, by algorithm. */
  digests: Partial<Record<DigestAlgorithm, Buffer>>;
  /** The bytes, when the caller passed them in memory (signatures are then checked over them directly). */
  data: Buffer | undefined;
  /** True when only a digest was given: nothing was read. */
  digestOnly: boolean;
  /** `sha256:<hex>`, for messages. */
  label: string;
}

/** `<algorithm>:<hex>` of the digests an artifact can be named by. */
const DIGEST_STRING = /^(sha256:[0-9a-fA-F]{64}|sha384:[0-9a-fA-F]{96}|sha512:[0-9a-fA-F]{128})$/;

/** True when `artifact` is a digest rather than bytes to read. */
export function isDigestInput(artifact: VerifyArtifactInput): boolean {
  return (typeof artifact === 'string' && DIGEST_STRING.test(artifact.trim())) || (typeof artifact !== 'string' && isPrecomputedDigest(artifact));
}

/** Reads (or parses) the artifact with `algorithms` besides SHA-256. */
export async function digestForVerification(
  artifact: VerifyArtifactInput,
  algorithms: readonly DigestAlgorithm[],
  signal?: AbortSignal,
): Promise<ArtifactDigests> {
  if (artifact === null || artifact === undefined) {
    throw new UsageError('INVALID_ARGUMENT', 'artifact must be a path, bytes, a readable stream or a sha256:<hex> digest');
  }
  if (typeof artifact === 'string' && isDigestInput(artifact)) {
    const [algorithm, hex] = artifact.trim().split(':') as [DigestAlgorithm, string];
    return { digests: { [algorithm]: Buffer.from(hex, 'hex') }, data: undefined, digestOnly: true, label: `${algorithm}:${hex.toLowerCase()}` };
  }
  if (isDigestInput(artifact)) {
    const digest = parseDigest((artifact as { sha256: string }).sha256);
    return { digests: digest.digests, data: undefined, digestOnly: true, label: `sha256:${digest.sha256.toString('hex')}` };
  }
  const digest = await digestArtifact(artifact, { algorithms, signal });
  return { digests: digest.digests, data: digest.data, digestOnly: false, label: `sha256:${digest.sha256.toString('hex')}` };
}
