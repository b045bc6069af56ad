/**
 * The engine under `verifyBundle` and `verifySlsaLevel`: reads the trust, the policy and the
 * attestations, hashes the artifact once with every algorithm the attestations name, evaluates
 * each attestation, and derives the verdict from the checks. Fails closed: an attestation about
 * the artifact that does not verify makes the whole result unverified at level 0.
 * @module
 */
import { throwIfAborted } from '../errors.js';
import type { DigestAlgorithm } from '../util/artifact-digest.js';
import type { AttestationsInput } from './attestations/load-attestations.js';
import { loadAttestations } from './attestations/load-attestations.js';
import { digestForVerification, type VerifyArtifactInput } from './artifact-input.js';
import { allPassed, check, type CheckId, type VerificationCheck } from './checks.js';
import {
  evaluateAttestation,
  neededAlgorithms,
  prepareAttestation,
  type AttestationEvaluation,
} from './evaluate-attestation.js';
import { normalizePolicy, type NormalizedPolicy } from './policy/verification-policy.js';
import { BuilderTable } from './provenance/builders.js';
import { resolveTrust } from './trust/resolve-trust.js';
import type { VerificationResult, VerifyBundleOptions } from './verify-types.js';

/** Verifies `attestations` about `artifact`; `defaultMinLevel` is 1 for SLSA verification, 0 otherwise. */
export async function verifyAttestations(
  artifact: VerifyArtifactInput,
  attestations: AttestationsInput,
  options: VerifyBundleOptions,
  defaultMinLevel: 0 | 1,
): Promise<VerificationResult> {
  const policy = normalizePolicy(options, defaultMinLevel);
  const trust = await resolveTrust(options);
  throwIfAborted(options.signal);
  const documents = await loadAttestations(attestations, { maxBytes: options.maxAttestationBytes, signal: options.signal });
  const prepared = documents.map(prepareAttestation);
  const algorithms = new Set<DigestAlgorithm>(prepared.flatMap(neededAlgorithms));
  const digests = await digestForVerification(artifact, [...algorithms], options.signal);
  throwIfAborted(options.signal);

  const context = { artifact: digests, policy, builders: new BuilderTable(policy.builderIds), trust: trust.general, npmTrust: trust.npm };
  const evaluations = prepared.map((p) => evaluateAttestation(p, context));
  const considered = evaluations.filter((e) => e.about !== 'no');
  const matched = evaluations.filter((e) => e.about === 'yes');

  const global: VerificationCheck[] = [matchCheck(matched.length, evaluations.length, digests.label)];
  if (documents.some((d) => d.npmPredicateType !== undefined)) global.push(npmPublishCheck(evaluations));
  const perAttestation = considered.flatMap((e) => e.checks);
  const authentic = allPassed(global, 'integrity') && considered.every((e) => e.authentic);
  // After an integrity failure the result is unverified anyway; listing every policy field
  // as unproven on top would bury the real cause.
  if (authentic) global.push(...unprovenPolicy(policy, matched));
  const level = authentic ? (Math.max(0, ...matched.map((e) => e.level)) as 0 | 1 | 2 | 3) : 0;
  if (policy.minLevel > 0) {
    global.push(
      level >= policy.minLevel
        ? check('level.minimum', true, `SLSA Build L${level} proven; L${policy.minLevel} required`)
        : check('level.minimum', false, `SLSA Build L${level} proven, but L${policy.minLevel} is required`),
    );
  }
  const checks = [...global, ...perAttestation];
  const verified = authentic && allPassed(checks, 'policy') && level >= policy.minLevel;
  const basis = chooseBasis(matched, level);
  return {
    verified,
    level,
    checks,
    signer: basis?.signer,
    provenance: basis?.provenance,
    artifact: Object.fromEntries(Object.entries(digests.digests).map(([algorithm, value]) => [algorithm, value.toString('hex')])),
    attestations: evaluations.map((e) => ({
      source: e.source,
      about: e.about,
      kind: e.kind,
      predicateType: e.predicateType,
      authentic: e.authentic,
      level: e.level,
    })),
  };
}

function matchCheck(matched: number, total: number, label: string): VerificationCheck {
  if (total === 0) return check('attestations.match', false, 'no attestations were given');
  if (matched === 0) {
    return check('attestations.match', false, `none of the ${total} attestations is about the artifact ${label}`);
  }
  return check('attestations.match', true, `${matched} of ${total} ${total === 1 ? 'attestation is' : 'attestations are'} about the artifact ${label}`);
}

/**
 * A policy field is met only when an authentic attestation about the artifact was checked
 * against it. One that no such attestation speaks to — only the npm registry's publish
 * attestation verified, or only a key-signed bundle where a certificate identity is required,
 * or no provenance where builders are required — is not met: a verifier must not pass a
 * requirement it never checked.
 */
function unprovenPolicy(policy: NormalizedPolicy, matched: readonly AttestationEvaluation[]): VerificationCheck[] {
  const checked = new Set(matched.filter((e) => e.authentic && !e.npmPublish).flatMap((e) => e.checks.map((c) => c.id)));
  const required: Array<[CheckId, string | undefined]> = [
    ['identity.subject', policy.identity ?? (policy.identityPattern ? `an identity matching ${policy.identityPattern.source}` : undefined)],
    ['identity.issuer', policy.issuer && !policy.issuer.inferred ? policy.issuer.value : undefined],
    ['source.repository', policy.sourceRepository],
    ['source.ref', policy.sourceRef],
    ['builder.id', policy.builderIds.length > 0 ? `a builder among ${policy.builderIds.join(', ')} or the default table` : undefined],
  ];
  return required
    .filter(([id, wanted]) => wanted !== undefined && !checked.has(id))
    .map(([id, wanted]) =>
      check(id, false, `the policy requires ${wanted}, but no attestation about the artifact was checked for it: none that verified can state it`),
    );
}

/** npm packages carry the registry's publish attestation; `npm audit signatures` requires it to verify. */
function npmPublishCheck(evaluations: readonly AttestationEvaluation[]): VerificationCheck {
  const publish = evaluations.find((e) => e.npmPublish);
  if (publish) return check('npm.publish', true, `the npm registry's publish attestation verifies with the registry's key`, publish.source);
  const failed = evaluations.find((e) => e.predicateType?.includes('npm/attestation') || e.source.endsWith('[publish]'));
  return check(
    'npm.publish',
    false,
    failed ? `the npm publish attestation does not verify (see the checks of ${failed.source})` : 'the npm response holds no publish attestation',
    failed?.source,
  );
}

/** The attestation the result is reported from: the provenance with the level proven, else the first verified. */
function chooseBasis(matched: readonly AttestationEvaluation[], level: number): AttestationEvaluation | undefined {
  return (
    matched.find((e) => e.provenance !== undefined && e.level === level && e.authentic) ??
    matched.find((e) => e.provenance !== undefined && e.authentic) ??
    matched.find((e) => e.authentic && !e.npmPublish) ??
    matched[0]
  );
}
