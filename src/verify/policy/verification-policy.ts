/**
 * The caller's policy — whose signature, from which source and ref, built by which builder,
 * at what SLSA level — checked once for consistency and brought to the form the checks use.
 * @module
 */
import { UsageError } from '../../errors.js';
import { normalizeRepository } from '../provenance/source-uri.js';

/** What the caller requires of the attestations. Every field is optional; each one given is checked. */
export interface VerificationPolicy {
  /** The certificate's subject (SAN), matched exactly: a workflow URI with its ref, or an email. */
  certificateIdentity?: string;
  /**
   * A regular expression the whole certificate subject must match (it is anchored at both
   * ends). Only for callers who mean a pattern; prefer `certificateIdentity`.
   */
  certificateIdentityPattern?: string | RegExp;
  /**
   * The OIDC issuer of the certificate, exactly. When absent and `sourceRepository` is on
   * github.com or gitlab.com, that platform's issuer is required.
   */
  certificateIssuer?: string;
  /** The source repository: `github.com/o/r` or `https://github.com/o/r`. */
  sourceRepository?: string;
  /** The full git ref the artifact was built from: `refs/heads/main`, `refs/tags/v1.2.3`. */
  sourceRef?: string;
  /**
   * Builders trusted for SLSA Build L3 besides the default table, with or without `@ref`
   * (without: any branch or tag, `refs/...`; a commit must be named, `id@<sha>`, as GitHub runs
   * a SHA from any fork of the repository). When given, the provenance's builder must be a
   * trusted one, and must have signed it.
   */
  builderIds?: readonly string[];
  /** The SLSA Build level required. Default 1 for `verifySlsaLevel`, none for `verifyBundle`. */
  minLevel?: 0 | 1 | 2 | 3;
}

/** A checked policy. */
export interface NormalizedPolicy {
  identity: string | undefined;
  identityPattern: RegExp | undefined;
  /** The issuer required, and whether it was inferred from the source repository's host. */
  issuer: { value: string; inferred: boolean } | undefined;
  sourceRepository: string | undefined;
  sourceRef: string | undefined;
  builderIds: string[];
  minLevel: 0 | 1 | 2 | 3;
}

/** The OIDC issuer of each hosted platform sealkit can infer from a repository host. */
export const PLATFORM_ISSUERS: Readonly<Record<string, string>> = {
  'github.com': 'https://token.actions.githubusercontent.com',
  'gitlab.com': 'https://gitlab.com',
};

/** Checks and normalizes `policy`; throws {@link UsageError} for a contradictory or malformed one. */
export function normalizePolicy(policy: VerificationPolicy, defaultMinLevel: 0 | 1): NormalizedPolicy {
  if (typeof policy !== 'object' || policy === null) throw new UsageError('INVALID_ARGUMENT', 'the policy must be an object');
  const identity = optionalString(policy.certificateIdentity, 'certificateIdentity');
  if (identity !== undefined && policy.certificateIdentityPattern !== undefined) {
    throw new UsageError('INVALID_ARGUMENT', 'give certificateIdentity or certificateIdentityPattern, not both');
  }
  const sourceRepository =
    policy.sourceRepository === undefined ? undefined : normalizeRepository(requiredString(policy.sourceRepository, 'sourceRepository'));
  if (sourceRepository !== undefined && !/^[^/]+\/.+/.test(sourceRepository)) {
    throw new UsageError('INVALID_ARGUMENT', `sourceRepository ${JSON.stringify(policy.sourceRepository)} is not host/owner/repo`);
  }
  const sourceRef = optionalString(policy.sourceRef, 'sourceRef');
  if (sourceRef !== undefined && !sourceRef.startsWith('refs/')) {
    throw new UsageError('INVALID_ARGUMENT', `sourceRef must be a full git ref such as refs/heads/${sourceRef} or refs/tags/${sourceRef}`);
  }
  const explicitIssuer = optionalString(policy.certificateIssuer, 'certificateIssuer');
  const inferredIssuer = sourceRepository ? PLATFORM_ISSUERS[sourceRepository.split('/')[0]!] : undefined;
  const minLevel = policy.minLevel ?? defaultMinLevel;
  if (![0, 1, 2, 3].includes(minLevel)) throw new UsageError('INVALID_ARGUMENT', 'minLevel must be 0, 1, 2 or 3');
  const builderIds = policy.builderIds ?? [];
  if (!Array.isArray(builderIds) || builderIds.some((id) => typeof id !== 'string' || !/^https:\/\/\S+$/.test(id))) {
    throw new UsageError('INVALID_ARGUMENT', 'builderIds must be a list of https:// builder ids');
  }
  return {
    identity,
    identityPattern: policy.certificateIdentityPattern === undefined ? undefined : anchored(policy.certificateIdentityPattern),
    issuer: explicitIssuer ? { value: explicitIssuer, inferred: false } : inferredIssuer ? { value: inferredIssuer, inferred: true } : undefined,
    sourceRepository,
    sourceRef,
    builderIds: [...builderIds],
    minLevel,
  };
}

/** The pattern matched against the whole subject: an unanchored one would accept any subject containing a match. */
function anchored(pattern: string | RegExp): RegExp {
  if (typeof pattern !== 'string' && !(pattern instanceof RegExp)) {
    throw new UsageError('INVALID_ARGUMENT', 'certificateIdentityPattern must be a string or a RegExp');
  }
  const source = typeof pattern === 'string' ? pattern : pattern.source;
  // No g/y (test() would keep state) and no m (^ and $ would match at any line break).
  const flags = typeof pattern === 'string' ? '' : pattern.flags.replace(/[gym]/g, '');
  try {
    // Checked on its own first: a source such as `a)|(.*` is valid only once wrapped, where it
    // would close the anchoring group and match anything.
    new RegExp(source, flags);
    return new RegExp(`^(?:${source})$`, flags);
  } catch (error) {
    throw new UsageError('INVALID_ARGUMENT', `certificateIdentityPattern is not a valid regular expression: ${(error as Error).message}`);
  }
}

function optionalString(value: unknown, name: string): string | undefined {
  return value === undefined ? undefined : requiredString(value, name);
}

function requiredString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError('INVALID_ARGUMENT', `${name} must be a non-empty string`);
  return value.trim();
}
