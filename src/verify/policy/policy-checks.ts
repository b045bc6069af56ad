/**
 * The caller's policy applied to one verified attestation: identity, issuer, source, ref and
 * builder. A policy field that is given is always checked and always reported; one that cannot
 * be checked (the attestation does not say) fails, as a verifier must.
 * @module
 */
import { check, type VerificationCheck } from '../checks.js';
import { builderChecks } from '../levels/builder-trust.js';
import type { BuilderTable } from '../provenance/builders.js';
import type { ProvenanceSummary } from '../provenance/parse-provenance.js';
import { normalizeConfigUri, normalizeRepository } from '../provenance/source-uri.js';
import type { VerifiedSigner } from '../verify-signature.js';
import type { NormalizedPolicy } from './verification-policy.js';

/** The policy checks of one attestation signed by `signer`, with its provenance when it is one. */
export function policyChecks(
  policy: NormalizedPolicy,
  signer: VerifiedSigner,
  provenance: ProvenanceSummary | undefined,
  builders: BuilderTable,
  source: string,
): VerificationCheck[] {
  const checks: VerificationCheck[] = [];
  if (signer.kind === 'certificate') checks.push(...identityChecks(policy, signer, source));
  const certificate = signer.kind === 'certificate' ? signer.identity : undefined;
  if (policy.sourceRepository !== undefined) {
    const claims = [
      ['certificate', certificate?.sourceRepositoryUri],
      ['provenance', provenance?.source.repository],
    ] as const;
    checks.push(sourceCheck('source.repository', 'source repository', policy.sourceRepository, claims, (v) => normalizeRepository(v), source, certificate !== undefined));
  }
  if (policy.sourceRef !== undefined) {
    const claims = [
      ['certificate', certificate?.sourceRepositoryRef],
      ['provenance', provenance?.source.ref],
    ] as const;
    checks.push(sourceCheck('source.ref', 'ref', policy.sourceRef, claims, (v) => v, source, certificate !== undefined));
  }
  if (policy.builderIds.length > 0 && provenance !== undefined) {
    // The builder the policy asks for is the one L3 trusts: the signer (or, for a delegator,
    // the builder it ran), bound to the provenance's builder.id.
    const [trusted, bound] = builderChecks(signer, provenance, builders, source);
    const failed = [trusted, bound].filter((c) => !c?.passed);
    checks.push(
      failed.length === 0
        ? check('builder.id', true, trusted!.detail, source)
        : check('builder.id', false, `the policy requires a trusted builder: ${failed.map((c) => c!.detail).join('; ')}`, source),
    );
  }
  return checks;
}

function identityChecks(policy: NormalizedPolicy, signer: Extract<VerifiedSigner, { kind: 'certificate' }>, source: string): VerificationCheck[] {
  const { subject, issuer } = signer.identity;
  const checks: VerificationCheck[] = [];
  if (policy.identity === undefined && policy.identityPattern === undefined && policy.sourceRepository === undefined) {
    checks.push(
      check(
        'identity.policy',
        false,
        `signed by ${subject}, but the policy names no identity to expect: give a certificate identity (or pattern) or a source repository`,
        source,
      ),
    );
  } else if (policy.sourceRepository === undefined && sharedSigner(signer)) {
    // A workflow outside the source repository (a reusable workflow such as a SLSA generator)
    // signs for every repository that calls it: its identity alone says nothing of the source.
    checks.push(
      check(
        'identity.policy',
        false,
        `signed by ${subject}, a workflow that signs for any repository calling it (this build is from ${signer.identity.sourceRepositoryUri}): give the source repository as well`,
        source,
      ),
    );
  }
  if (policy.identity !== undefined) {
    checks.push(
      subject === policy.identity
        ? check('identity.subject', true, `the certificate identity is ${subject}`, source)
        : check('identity.subject', false, `the certificate identity is ${subject}, not ${policy.identity}`, source),
    );
  } else if (policy.identityPattern !== undefined) {
    checks.push(
      policy.identityPattern.test(subject)
        ? check('identity.subject', true, `the certificate identity ${subject} matches ${policy.identityPattern.source}`, source)
        : check('identity.subject', false, `the certificate identity ${subject} does not match ${policy.identityPattern.source}`, source),
    );
  }
  if (policy.issuer === undefined) {
    checks.push(check('identity.issuer', false, `issued for ${issuer ?? '(no issuer)'}, but the policy names no OIDC issuer to expect`, source));
  } else if (issuer === policy.issuer.value) {
    const why = policy.issuer.inferred ? ' (the issuer of the source repository\'s platform)' : '';
    checks.push(check('identity.issuer', true, `the OIDC issuer is ${issuer}${why}`, source));
  } else {
    checks.push(check('identity.issuer', false, `the OIDC issuer is ${issuer ?? '(none)'}, not ${policy.issuer.value}`, source));
  }
  return checks;
}

/** True when the signing workflow lives outside the source repository the certificate names. */
function sharedSigner(signer: Extract<VerifiedSigner, { kind: 'certificate' }>): boolean {
  const { sourceRepositoryUri, buildSignerUri, subject } = signer.identity;
  if (sourceRepositoryUri === undefined) return false;
  const signerLocation = normalizeConfigUri(buildSignerUri ?? subject);
  return !signerLocation.startsWith(`${normalizeRepository(sourceRepositoryUri)}/`);
}

function sourceCheck(
  id: 'source.repository' | 'source.ref',
  what: string,
  expected: string,
  claims: ReadonlyArray<readonly [string, string | undefined]>,
  normalize: (value: string) => string,
  source: string,
  certificateSigned: boolean,
): VerificationCheck {
  const stated = claims.filter(([, value]) => value !== undefined) as Array<readonly [string, string]>;
  if (stated.length === 0) return check(id, false, `the attestation does not state its ${what}; the policy requires ${expected}`, source);
  // With a certificate, the source is proven by what the CI platform vouched for; a claim in
  // the signed content alone would let any identity claim any repository.
  const [firstBy, firstValue] = claims[0]!;
  if (firstBy === 'certificate' && firstValue === undefined && certificateSigned) {
    return check(id, false, `the certificate does not record the ${what}, so ${expected} is not proven`, source);
  }
  const wrong = stated.filter(([, value]) => normalize(value) !== normalize(expected));
  if (wrong.length > 0) {
    return check(id, false, wrong.map(([by, value]) => `the ${by} says the ${what} is ${value}, not ${expected}`).join('; '), source);
  }
  return check(id, true, `the ${what} is ${expected} (${stated.map(([by]) => by).join(' and ')})`, source);
}
