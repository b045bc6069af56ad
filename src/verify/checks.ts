/**
 * The checks a verification reports. Every verdict sealkit gives is a list of these, each with
 * a stable id and a sentence a person understands; `verified` and `level` are derived from
 * the list, never decided elsewhere, so that what is printed is what was decided.
 * @module
 */

/**
 * What a check is for:
 * - `integrity`: the attestation is authentic and about the artifact in hand (signature,
 *   certificate chain, transparency log, timestamps, subject digest). A failure means the
 *   material cannot be trusted at all: nothing is verified and the level is 0.
 * - `policy`: the caller's policy (identity, issuer, source, ref, builder, minimum level).
 *   A failure means `verified` is false.
 * - `level`: a requirement of one SLSA Build level. A failure lowers the level proven; it
 *   fails verification only through `minLevel`.
 */
export type CheckCategory = 'integrity' | 'policy' | 'level';

/** Stable identifiers of the checks; documented in docs/verify.md. */
export type CheckId =
  // integrity
  | 'attestation.format'
  | 'statement.format'
  | 'artifact.digest'
  | 'attestations.match'
  | 'signature'
  | 'certificate.chain'
  | 'public-key'
  | 'tlog'
  | 'timestamp'
  | 'npm.publish'
  // policy
  | 'identity.policy'
  | 'identity.subject'
  | 'identity.issuer'
  | 'source.repository'
  | 'source.ref'
  | 'builder.id'
  | 'level.minimum'
  // SLSA levels
  | 'provenance.predicate'
  | 'provenance.signed'
  | 'platform.hosted'
  | 'provenance.certificate'
  | 'builder.trusted'
  | 'builder.bound';

/** One check of a verification. */
export interface VerificationCheck {
  id: CheckId;
  passed: boolean;
  /** What was compared with what, or why it failed, in words. */
  detail: string;
  category: CheckCategory;
  /** For `level` checks: the SLSA Build level this check is a requirement of. */
  level?: 1 | 2 | 3;
  /** The attestation the check is about, e.g. `release.intoto.jsonl:2` or `pkg.tgz.json[provenance]`. */
  source?: string;
}

/** The category of each check id. */
const CATEGORY: Record<CheckId, CheckCategory> = {
  'attestation.format': 'integrity',
  'statement.format': 'integrity',
  'artifact.digest': 'integrity',
  'attestations.match': 'integrity',
  signature: 'integrity',
  'certificate.chain': 'integrity',
  'public-key': 'integrity',
  tlog: 'integrity',
  timestamp: 'integrity',
  'npm.publish': 'integrity',
  'identity.policy': 'policy',
  'identity.subject': 'policy',
  'identity.issuer': 'policy',
  'source.repository': 'policy',
  'source.ref': 'policy',
  'builder.id': 'policy',
  'level.minimum': 'policy',
  'provenance.predicate': 'level',
  'provenance.signed': 'level',
  'platform.hosted': 'level',
  'provenance.certificate': 'level',
  'builder.trusted': 'level',
  'builder.bound': 'level',
};

/** The SLSA level each level check belongs to. */
const LEVEL: Partial<Record<CheckId, 1 | 2 | 3>> = {
  'provenance.predicate': 1,
  'provenance.signed': 2,
  'platform.hosted': 2,
  'provenance.certificate': 2,
  'builder.trusted': 3,
  'builder.bound': 3,
};

/** Builds a check with its category (and level) filled in from its id. */
export function check(id: CheckId, passed: boolean, detail: string, source?: string): VerificationCheck {
  const result: VerificationCheck = { id, passed, detail, category: CATEGORY[id] };
  const level = LEVEL[id];
  if (level !== undefined) result.level = level;
  if (source !== undefined) result.source = source;
  return result;
}

/** True when no check of `category` in `checks` failed. */
export function allPassed(checks: readonly VerificationCheck[], category: CheckCategory): boolean {
  return checks.every((c) => c.category !== category || c.passed);
}
