/**
 * The options every sealkit signing call accepts and the result it returns, shared by
 * {@link signArtifact}, {@link signStatement} and {@link attestSbom}.
 * @module
 */
import type { KeyObject } from 'node:crypto';
import type { SerializedBundle } from '@sigstore/bundle';
import type { HashAlgorithm } from '../util/digest-signature.js';
import type { SigningConfigInput } from './signing-config.js';

/**
 * A signer sealkit does not hold the key of: a KMS, an HSM, a hardware token.
 * It signs digests, which is what those services do natively, with the hash sealkit names
 * in each {@link SignRequest}.
 */
export interface CustomSigner {
  /** The signer's public key, as SPKI PEM text or a public `KeyObject`. */
  publicKey: string | KeyObject;
  /**
   * Put in the bundle (`publicKey.hint`, DSSE `keyid`) so verifiers can pick the key.
   * Default: the hex SHA-256 of the DER public key.
   */
  keyHint?: string;
  /**
   * Returns the signature of one message: ASN.1 DER for ECDSA, PKCS#1 v1.5 for RSA, the raw
   * 64 bytes for Ed25519. ECDSA and RSA signatures are made with `request.algorithm`: sealkit
   * checks the signature with that hash and refuses one made with another.
   */
  sign(request: SignRequest): Promise<Uint8Array>;
}

/** What a {@link CustomSigner} is asked to sign. */
export interface SignRequest {
  /** The message hashed with {@link SignRequest.algorithm}: what a KMS or HSM signs. */
  digest: Buffer;
  /**
   * The hash of `digest`, and so of the signature. For message signatures
   * (`signArtifact`) it is the hash the Sigstore algorithm registry pairs with the public key:
   * `sha256` for P-256 and RSA, `sha384` for P-384, `sha512` for P-521. For DSSE envelopes
   * (`signStatement`, `attestSbom`) it is `sha256` for every key, because that is the hash
   * Sigstore logs and verifiers check envelope signatures with (see docs/sign.md).
   */
  algorithm: HashAlgorithm;
  /**
   * The message itself when it is in memory (Buffer artifacts, DSSE envelopes, the Fulcio
   * challenge); undefined when the artifact was streamed from a file or given as a digest.
   * Ed25519 needs it; ECDSA and RSA signers can use `digest` alone.
   */
  message: Buffer | undefined;
}

/** A step of a signing call, for progress display. */
export type SignProgress =
  | { stage: 'hash'; bytes: number; totalBytes: number | undefined }
  | { stage: 'identity' | 'certificate' | 'witness' | 'write' };

/** Which transparency log API to write to. */
export type RekorVersion = 1 | 2;

/** Options of every signing call. Without `key` or `signer`, signing is keyless. */
export interface SigningOptions {
  // ---- key-based ----
  /** A private key: PEM text or bytes (PKCS#8, SEC1 or PKCS#1, optionally encrypted), or a `KeyObject`. */
  key?: string | Uint8Array | KeyObject;
  /** Passphrase of an encrypted PEM `key`. */
  passphrase?: string;
  /** Hint stored in the bundle for `key`. Default: the hex SHA-256 of the DER public key. */
  keyHint?: string;
  /** A signer callback (KMS, HSM) instead of `key`. */
  signer?: CustomSigner;

  // ---- keyless ----
  /**
   * An OIDC identity token. When absent sealkit looks, in order, at `SIGSTORE_ID_TOKEN`,
   * GitHub Actions, Buildkite and GitLab CI.
   */
  identityToken?: string;
  /** The audience the token must carry. Default `sigstore`. */
  audience?: string;
  /** Where CI variables are read from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;

  // ---- services ----
  /** Fulcio base URL. Default: the public-good instance (or the signing config's CA). */
  fulcioUrl?: string;
  /** Rekor base URL. Default: the public-good instance (or the signing config's log). */
  rekorUrl?: string;
  /** Rekor API to use with `rekorUrl`. Default 1. */
  rekorVersion?: RekorVersion;
  /** RFC 3161 timestamp authority URL (base URL, or the full timestamp endpoint). No TSA by default. */
  tsaUrl?: string;
  /** A Sigstore `signing_config.json` (path, JSON text or parsed object) naming the services. */
  signingConfig?: SigningConfigInput;
  /**
   * Write the signature to a transparency log. Default: always for keyless signing; for
   * key-based signing only when `rekorUrl` or `signingConfig` is given.
   */
  tlog?: boolean;
  /** Milliseconds each HTTP attempt may take. Default 15000 (Rekor v2: at least 20000). */
  timeout?: number;
  /** Retries after a failed attempt (network error, timeout, HTTP 408/429/5xx). Default 2. */
  retries?: number;
  /** First back-off delay in milliseconds, doubled after each retry. Default 1000. */
  retryDelay?: number;

  // ---- output & control ----
  /** Also write the bundle here, atomically (temporary file + rename). */
  bundlePath?: string;
  signal?: AbortSignal;
  onProgress?: (progress: SignProgress) => void;
}

/** Who signed, as recorded in the bundle. */
export type SignerIdentity =
  | {
      kind: 'keyless';
      /** The certificate subject: the token's `email`, or its `sub`. */
      subject: string;
      /** The token issuer (`iss`). */
      issuer: string;
      /** Where the identity token came from, e.g. `github-actions`. */
      tokenSource: string;
      /** The Fulcio certificate, PEM. */
      certificate: string;
    }
  | {
      kind: 'key';
      keyHint: string;
      /** The public key, SPKI PEM: give it to verifiers. */
      publicKey: string;
    };

/** One transparency-log entry of a bundle. */
export interface TlogEntrySummary {
  url: string;
  logIndex: string;
  /** Seconds since the epoch, when the log gave an integration time. */
  integratedTime: number | undefined;
}

/** What a signing call returns. */
export interface SignResult {
  /** The Sigstore bundle v0.3 (`application/vnd.dev.sigstore.bundle.v0.3+json`), as JSON. */
  bundle: SerializedBundle;
  /**
   * Hex SHA-256 of what was signed: the artifact, or the DSSE payload. Computed whatever the
   * key; a P-384 or P-521 message signature is made over the artifact's SHA-384 or SHA-512,
   * which the bundle's `messageSignature.messageDigest` holds.
   */
  sha256: string;
  signer: SignerIdentity;
  tlogEntries: TlogEntrySummary[];
  /** URLs of the timestamp authorities that countersigned. */
  timestampAuthorities: string[];
  /** Where the bundle was written, when `bundlePath` was given. */
  bundlePath: string | undefined;
}
