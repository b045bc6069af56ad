/**
 * Registry failures. Every one names the registry and the reference (or repository) it was
 * about, in its message and in `details`, and never carries a credential.
 * @module
 */
import { SealkitError, type SealkitErrorCode, type SealkitErrorOptions } from '../errors.js';

/** Codes a {@link RegistryError} carries. */
export type RegistryErrorCode = Extract<SealkitErrorCode, `REGISTRY_${string}`>;

/**
 * A registry request failed. `details` holds `registry`, `reference` (or repository) and, when
 * there was an answer, `status`.
 *
 * - `REGISTRY_UNAUTHORIZED`: 401, or no credentials were accepted.
 * - `REGISTRY_DENIED`: 403, the credentials lack the permission.
 * - `REGISTRY_NOT_FOUND`: the repository, manifest or blob is unknown.
 * - `REGISTRY_RATE_LIMITED`: 429, still after the retries.
 * - `REGISTRY_DIGEST_MISMATCH`: content does not hash to its digest, or is not its declared size.
 * - `REGISTRY_MANIFEST_TOO_LARGE`: a manifest or index over the byte limit.
 * - `REGISTRY_UNREACHABLE`: network failure, timeout, or 5xx still after the retries.
 * - `REGISTRY_REJECTED`: any other refusal (a 4xx to a push, an unsupported operation).
 * - `REGISTRY_PROTOCOL`: a malformed answer, a token or redirect loop, a self-referencing index.
 * - `REGISTRY_INSECURE_REFUSED`: plain HTTP to a host that is not loopback, without consent.
 * - `REGISTRY_CREDENTIALS`: the Docker config or a credential helper could not be read.
 */
export class RegistryError extends SealkitError {
  declare readonly code: RegistryErrorCode;

  constructor(code: RegistryErrorCode, message: string, options: SealkitErrorOptions = {}) {
    super(code, message, options);
  }
}
