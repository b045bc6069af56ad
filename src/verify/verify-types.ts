/**
 * The public shape of verification: what `verifyBundle` and `verifySlsaLevel` take and what
 * they return. The result is always an object with every check, never a bare boolean.
 * @module
 */
import type { AttestationsInput } from './attestations/load-attestations.js';
import type { VerificationCheck } from './checks.js';
import type { VerificationPolicy } from './policy/verification-policy.js';
import type { ProvenanceSummary } from './provenance/parse-provenance.js';
import type { TrustOptions } from './trust/resolve-trust.js';
import type { VerifiedSigner } from './verify-signature.js';

/** Options of {@link verifyBundle}: the policy, the trust, and limits. */
export interface VerifyBundleOptions extends VerificationPolicy, TrustOptions {
  /** Largest attestation input read, in bytes. Default 64 MiB. */
  maxAttestationBytes?: number;
  signal?: AbortSignal;
}

/** Options of {@link verifySlsaLevel}: the attestations, and everything {@link VerifyBundleOptions} takes. */
export interface VerifySlsaLevelOptions extends VerifyBundleOptions {
  /** Bundles, a list, an `.intoto.jsonl` file, or an npm registry attestations response (parsed, text, bytes or path). */
  attestations: AttestationsInput;
}

/** Who signed the attestation the result rests on: a Fulcio certificate's identity, or a trusted key. */
export type SignerSummary = VerifiedSigner;

/** One attestation that was read, and what became of it. */
export interface AttestationReport {
  source: string;
  /** `yes`: it names the artifact and was verified; `no`: it is about something else and was set aside; `unknown`: unreadable. */
  about: 'yes' | 'no' | 'unknown';
  kind: 'message-signature' | 'dsse' | undefined;
  predicateType: string | undefined;
  /** Its integrity checks (signature, chain, log, subject) all passed. */
  authentic: boolean;
  /** The SLSA Build level it proves on its own. */
  level: 0 | 1 | 2 | 3;
}

/** The outcome of a verification. */
export interface VerificationResult {
  /** True only when every integrity and policy check passed and `level >= minLevel`. */
  verified: boolean;
  /** The highest SLSA Build level whose requirements all hold for this artifact (0 when none, or when anything failed integrity). */
  level: 0 | 1 | 2 | 3;
  /** Every check, in order: global ones first, then each attestation about the artifact. */
  checks: VerificationCheck[];
  /** The signer of the attestation the level rests on (the provenance, else the first verified bundle). */
  signer: SignerSummary | undefined;
  /** That provenance, when an attestation was SLSA provenance about the artifact. */
  provenance: ProvenanceSummary | undefined;
  /** The artifact's digests that were compared, hex by algorithm. */
  artifact: Record<string, string>;
  /** Every attestation read, including those about other artifacts. */
  attestations: AttestationReport[];
}
