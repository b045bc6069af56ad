/**
 * Every failure sealkit reports is a {@link SealkitError} with a stable `code`.
 * Codes are part of the public API: callers branch on them, so they never change meaning.
 * @module
 */

/** Stable error codes. New codes may be added in minor releases; existing ones never change. */
export type SealkitErrorCode =
  // usage
  | 'INVALID_ARGUMENT'
  | 'ABORTED'
  // sources
  | 'SOURCE_NOT_FOUND'
  | 'SOURCE_UNRECOGNIZED'
  | 'ARCHIVE_CORRUPT'
  | 'ARCHIVE_COMPRESSED'
  | 'NOT_AN_IMAGE'
  | 'MANIFEST_INVALID'
  | 'BLOB_MISSING'
  | 'BLOB_DIGEST_MISMATCH'
  | 'PLATFORM_NOT_FOUND'
  | 'LAYER_CORRUPT'
  | 'LAYER_PATH_ESCAPE'
  | 'LIMIT_EXCEEDED'
  | 'LOCKFILE_INVALID'
  // catalog warnings promoted to errors by `strict`
  | 'FILE_TOO_LARGE'
  | 'LINK_NOT_FOLLOWED'
  | 'METADATA_UNPARSABLE'
  | 'PACKAGE_SKIPPED'
  | 'PATH_UNREADABLE'
  // output
  | 'FORMAT_UNSUPPORTED'
  | 'OUTPUT_WRITE_FAILED'
  // signing
  | 'ARTIFACT_UNREADABLE'
  | 'IDENTITY_TOKEN_MISSING'
  | 'IDENTITY_TOKEN_INVALID'
  | 'IDENTITY_TOKEN_EXPIRED'
  | 'IDENTITY_TOKEN_AUDIENCE'
  | 'IDENTITY_PROVIDER_FAILED'
  | 'KEY_INVALID'
  | 'KEY_PASSPHRASE'
  | 'SIGNER_FAILED'
  | 'SIGNING_CONFIG_INVALID'
  | 'SERVICE_UNREACHABLE'
  | 'SERVICE_TIMEOUT'
  | 'SERVICE_ERROR'
  | 'BUNDLE_INVALID'
  // provenance
  | 'PROVENANCE_ENVIRONMENT_UNKNOWN'
  | 'PROVENANCE_ENVIRONMENT_INVALID'
  // verification
  | 'VERIFICATION_FAILED'
  | 'TRUST_ROOT_INVALID'
  | 'POLICY_FAILED'
  // registries
  | 'REGISTRY_UNAUTHORIZED'
  | 'REGISTRY_DENIED'
  | 'REGISTRY_NOT_FOUND'
  | 'REGISTRY_RATE_LIMITED'
  | 'REGISTRY_DIGEST_MISMATCH'
  | 'REGISTRY_MANIFEST_TOO_LARGE'
  | 'REGISTRY_UNREACHABLE'
  | 'REGISTRY_REJECTED'
  | 'REGISTRY_PROTOCOL'
  | 'REGISTRY_INSECURE_REFUSED'
  | 'REGISTRY_CREDENTIALS'
  | 'REGISTRY_TAG_CONFLICT';

/** Options accepted by every {@link SealkitError} constructor. */
export interface SealkitErrorOptions {
  /** The underlying error, kept for debugging; never needed to understand the message. */
  cause?: unknown;
  /** Machine-readable context (a path, a URL, an HTTP status). */
  details?: Record<string, unknown>;
}

/** Base class of every error sealkit throws. */
export class SealkitError extends Error {
  /** Stable, documented identifier of what went wrong. */
  readonly code: SealkitErrorCode;
  /** Machine-readable context for the failure. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: SealkitErrorCode, message: string, options: SealkitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** The caller passed something sealkit cannot use (a wrong option, an unknown format). */
export class UsageError extends SealkitError {}

/** The operation was cancelled through its `AbortSignal`. */
export class AbortError extends SealkitError {
  constructor(options: SealkitErrorOptions = {}) {
    super('ABORTED', 'the operation was aborted', options);
  }
}

/** A source (image, directory, lockfile) is missing, malformed or unsafe. */
export class SourceError extends SealkitError {}

/** An SBOM could not be serialized or written. */
export class OutputError extends SealkitError {}

/** Signing failed: identity, keys, or a Sigstore service. */
export class SigningError extends SealkitError {}

/** A Sigstore service (Fulcio, Rekor, a TSA, an OIDC provider) failed or could not be reached. */
export class ServiceError extends SigningError {}

/** Verification of a signature, bundle or policy failed. Verification always fails closed. */
export class VerificationError extends SealkitError {}

/** True when `error` is a {@link SealkitError}, optionally with the given code. */
export function isSealkitError(error: unknown, code?: SealkitErrorCode): error is SealkitError {
  return error instanceof SealkitError && (code === undefined || error.code === code);
}

/** Throws {@link AbortError} when `signal` is aborted; call it between units of work. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError({ cause: signal.reason });
}
