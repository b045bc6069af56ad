/**
 * The cryptographic half of verifying one bundle, delegated to `@sigstore/verify`: timestamps,
 * the signing key (certificate chain and SCTs, or a trusted public key), the transparency-log
 * entries, and the signature. The library answers with one error for the first thing that
 * fails; this turns its answer into named checks, and any other exception into a failure.
 * @module
 */
import type { X509Certificate } from '@sigstore/core';
import { Verifier, toSignedEntity, type SignedEntity, type TrustMaterial } from '@sigstore/verify';
import { certificateIdentity, type CertificateIdentity } from './certificate-identity.js';
import { check, type CheckId, type VerificationCheck } from './checks.js';
import type { ParsedBundle } from './attestations/parse-bundle.js';
import { inclusionProofProblem } from './tlog-consistency.js';
import { keysForHint, type TrustedKey } from './trust/public-keys.js';

/** The trust a bundle is verified against. */
export interface BundleTrust {
  /** CAs, transparency logs, CT logs and timestamp authorities. */
  material: TrustMaterial;
  /** Keys for key-signed bundles. */
  keys: readonly TrustedKey[];
  /** Only keys whose id is the bundle's key hint may be tried (npm registry keys). */
  strictHint: boolean;
  /** Whether certificate-signed bundles are acceptable here (not for npm publish attestations). */
  allowCertificates: boolean;
  /**
   * What a key-signed bundle must carry besides its signature: nothing (offline keys), a
   * proven signing time — a log integration time or an RFC 3161 timestamp — (`timestamp`), or
   * a transparency-log entry and a signing time (`tlog`, registry keys).
   */
  keyWitness: 'none' | 'timestamp' | 'tlog';
  /** Label of the trusted root, for messages. */
  rootLabel: string;
}

/** Who signed, once the signature verified. */
export type VerifiedSigner =
  | { kind: 'certificate'; identity: CertificateIdentity }
  | { kind: 'key'; keyId: string };

/** The outcome of the cryptographic checks of one bundle. */
export interface CryptoOutcome {
  passed: boolean;
  checks: VerificationCheck[];
  signer: VerifiedSigner | undefined;
  /** The signing times that verified (log integration times, RFC 3161 timestamps). */
  timestamps: number;
}

type SignatureContent = SignedEntity['signature'];

/** Verifies `parsed`'s signature over `content` against `trust`. Never throws. */
export function verifyCryptography(parsed: ParsedBundle, content: SignatureContent, trust: BundleTrust, source: string): CryptoOutcome {
  let entity: SignedEntity;
  try {
    entity = { ...toSignedEntity(parsed.bundle), signature: content };
  } catch (error) {
    return failed('attestation.format', `the bundle's verification material is unreadable: ${message(error)}`, source);
  }
  const inconsistent = inclusionProofProblem(entity.tlogEntries);
  if (inconsistent) return failed('tlog', inconsistent, source);
  const tlogCount = entity.tlogEntries.length;
  const timestampCount = entity.timestamps.length;
  if (entity.key.$case === 'public-key') return verifyWithKeys(entity, entity.key.hint, trust, source, tlogCount, timestampCount);
  if (!trust.allowCertificates) {
    return failed('certificate.chain', 'this attestation must be signed by a registry key, not a certificate', source);
  }
  const certificate = entity.key.certificate;
  try {
    new Verifier(trust.material, { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 }).verify(entity);
  } catch (error) {
    return failed(checkOf(error), explain(error, trust), source);
  }
  return {
    passed: true,
    signer: { kind: 'certificate', identity: certificateIdentity(certificate) },
    timestamps: timestampCount,
    checks: [
      check('signature', true, `the signature verifies with the certificate's key`, source),
      check('certificate.chain', true, describeCertificate(certificate, trust.rootLabel), source),
      check('tlog', true, `${tlogCount} transparency log ${plural(tlogCount, 'entry', 'entries')} verified against ${trust.rootLabel}`, source),
      check('timestamp', true, `${timestampCount} signing ${plural(timestampCount, 'time', 'times')} verified, within the certificate's validity`, source),
    ],
  };
}

function verifyWithKeys(
  entity: SignedEntity,
  hint: string,
  trust: BundleTrust,
  source: string,
  tlogCount: number,
  timestampCount: number,
): CryptoOutcome {
  const candidates = keysForHint(trust.keys, hint, trust.strictHint);
  if (candidates.length === 0) {
    const what = trust.keys.length === 0 ? 'no public key was given to verify it' : 'it is not among the trusted keys';
    return failed('public-key', `signed by the key ${JSON.stringify(hint)}, but ${what}`, source);
  }
  const tlogThreshold = trust.keyWitness === 'tlog' ? 1 : 0;
  const timestampThreshold = trust.keyWitness === 'none' ? 0 : 1;
  if (tlogThreshold > tlogCount) {
    return failed('tlog', 'the bundle has no transparency log entry, and this key\'s bundles must be logged', source);
  }
  let lastError: unknown;
  for (const key of candidates) {
    // @sigstore/verify checks a key's validity only at the signing times it verified: with none,
    // a key trusted only within a period would be trusted at any time. Count them.
    let signingTimes = 0;
    const constrained = { publicKey: key.timeConstrained.publicKey, validFor: (date: Date) => (signingTimes++, key.timeConstrained.validFor(date)) };
    const material: TrustMaterial = { ...trust.material, publicKey: () => constrained };
    try {
      new Verifier(material, { tlogThreshold, ctlogThreshold: 0, timestampThreshold }).verify(entity);
      if (key.timeLimited && signingTimes === 0) {
        throw Object.assign(new Error(`the key ${key.label} is trusted only within a period, and the bundle proves no signing time`), { code: 'PUBLIC_KEY_ERROR' });
      }
    } catch (error) {
      lastError = error;
      continue;
    }
    return {
      passed: true,
      signer: { kind: 'key', keyId: key.label },
      timestamps: timestampCount,
      checks: [
        check('signature', true, `the signature verifies with the trusted key ${key.label}`, source),
        check('public-key', true, `the key ${key.label} is trusted${timestampCount > 0 ? ' and was valid when it signed' : ''}`, source),
        check(
          'tlog',
          true,
          tlogCount > 0
            ? `${tlogCount} transparency log ${plural(tlogCount, 'entry', 'entries')} verified against ${trust.rootLabel}`
            : 'no transparency log entry (key-signed bundles need none)',
          source,
        ),
        check(
          'timestamp',
          true,
          timestampCount > 0 ? `${timestampCount} signing ${plural(timestampCount, 'time', 'times')} verified` : 'no signing time (key-signed bundles need none)',
          source,
        ),
      ],
    };
  }
  const tried = candidates.length === 1 ? `the key ${candidates[0]!.label}` : `any of the ${candidates.length} trusted keys`;
  const id = checkOf(lastError);
  const detail = id === 'signature' ? `the signature does not verify with ${tried}` : explain(lastError, trust);
  return failed(id, detail, source);
}

/** The check a `@sigstore/verify` error code is about. */
function checkOf(error: unknown): CheckId {
  const code = (error as { code?: unknown })?.code;
  switch (code) {
    case 'CERTIFICATE_ERROR':
      return 'certificate.chain';
    case 'PUBLIC_KEY_ERROR':
      return 'public-key';
    case 'TIMESTAMP_ERROR':
      return 'timestamp';
    case 'TLOG_ERROR':
    case 'TLOG_INCLUSION_PROOF_ERROR':
    case 'TLOG_INCLUSION_PROMISE_ERROR':
    case 'TLOG_MISSING_INCLUSION_ERROR':
    case 'TLOG_BODY_ERROR':
      return 'tlog';
    default:
      return 'signature';
  }
}

function explain(error: unknown, trust: BundleTrust): string {
  const code = (error as { code?: unknown })?.code;
  const text = message(error);
  switch (code) {
    case 'CERTIFICATE_ERROR':
      return `the certificate does not chain to a CA of ${trust.rootLabel} valid at the signing time: ${text}`;
    case 'TIMESTAMP_ERROR':
      return `the signing time is not proven: ${text}`;
    case 'PUBLIC_KEY_ERROR':
      return `the key is not trusted when it signed: ${text}`;
    case 'SIGNATURE_ERROR':
      return 'the signature does not verify: the signed content or the signature was altered, or another key signed it';
    case 'TLOG_BODY_ERROR':
      return `the transparency log entry is not about this signature and content: ${text}`;
    case undefined:
      return `verification failed with an unexpected error: ${text}`;
    default:
      return `the transparency log entry does not verify against ${trust.rootLabel}: ${text}`;
  }
}

function describeCertificate(certificate: X509Certificate, rootLabel: string): string {
  return `the certificate (valid ${certificate.notBefore.toISOString()} to ${certificate.notAfter.toISOString()}) chains to ${rootLabel}, with a verified SCT`;
}

function failed(id: CheckId, detail: string, source: string): CryptoOutcome {
  return { passed: false, checks: [check(id, false, detail, source)], signer: undefined, timestamps: 0 };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}
