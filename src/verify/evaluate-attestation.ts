/**
 * One attestation, start to finish: is it a bundle, is it about the artifact, is it authentic,
 * does it meet the policy, and which SLSA Build level does it prove. Returns checks, never
 * throws: anything unexpected becomes a failed integrity check.
 * @module
 */
import type { AttestationDocument } from './attestations/load-attestations.js';
import { NPM_PUBLISH_PREDICATE_TYPE } from './attestations/load-attestations.js';
import { parseBundle, type ParsedBundle } from './attestations/parse-bundle.js';
import { matchingSubject, subjectAlgorithms, type InTotoStatement } from './attestations/statement.js';
import type { ArtifactDigests } from './artifact-input.js';
import { allPassed, check, type VerificationCheck } from './checks.js';
import { builderChecks } from './levels/builder-trust.js';
import { certificateAgreementCheck } from './levels/certificate-agreement.js';
import { hostedPlatformCheck } from './levels/hosted-platform.js';
import { policyChecks } from './policy/policy-checks.js';
import type { NormalizedPolicy } from './policy/verification-policy.js';
import type { BuilderTable } from './provenance/builders.js';
import { isSlsaProvenance, parseProvenance, type ProvenanceSummary } from './provenance/parse-provenance.js';
import { ArtifactMessageContent, DsseContent, messageDigestAlgorithm } from './signature-content.js';
import type { DigestAlgorithm } from '../util/artifact-digest.js';
import { verifyCryptography, type BundleTrust, type VerifiedSigner } from './verify-signature.js';

/** A document read and parsed, before the artifact is known. */
export interface PreparedAttestation {
  document: AttestationDocument;
  parsed: ParsedBundle | undefined;
  problem: string | undefined;
}

/** What one attestation proved. */
export interface AttestationEvaluation {
  source: string;
  /** Whether it names the artifact: `unknown` when it could not be read far enough to tell. */
  about: 'yes' | 'no' | 'unknown';
  kind: 'message-signature' | 'dsse' | undefined;
  predicateType: string | undefined;
  checks: VerificationCheck[];
  /** All integrity checks passed. */
  authentic: boolean;
  level: 0 | 1 | 2 | 3;
  signer: VerifiedSigner | undefined;
  provenance: ProvenanceSummary | undefined;
  statement: InTotoStatement | undefined;
  /** An npm publish attestation that verified with the registry's key. */
  npmPublish: boolean;
}

/** What evaluation needs besides the attestation. */
export interface EvaluationContext {
  artifact: ArtifactDigests;
  policy: NormalizedPolicy;
  builders: BuilderTable;
  trust: BundleTrust;
  npmTrust: BundleTrust;
}

/** Parses a document; cheap, done for all before the artifact is hashed. */
export function prepareAttestation(document: AttestationDocument): PreparedAttestation {
  if (document.problem !== undefined) return { document, parsed: undefined, problem: document.problem };
  try {
    const result = parseBundle(document.json);
    return { document, parsed: result.bundle, problem: result.problem };
  } catch (error) {
    return { document, parsed: undefined, problem: `unreadable bundle: ${(error as Error).message}` };
  }
}

/** Digest algorithms the artifact must be hashed with for this attestation to be matched. */
export function neededAlgorithms(prepared: PreparedAttestation): DigestAlgorithm[] {
  const parsed = prepared.parsed;
  if (!parsed) return [];
  if (parsed.bundle.content.$case === 'messageSignature') {
    const algorithm = messageDigestAlgorithm(parsed.bundle.content.messageSignature.messageDigest?.algorithm ?? 0);
    return algorithm ? [algorithm] : [];
  }
  return parsed.statement ? subjectAlgorithms(parsed.statement) : [];
}

/** Evaluates one attestation; never throws. */
export function evaluateAttestation(prepared: PreparedAttestation, context: EvaluationContext): AttestationEvaluation {
  const source = prepared.document.source;
  try {
    return evaluate(prepared, context);
  } catch (error) {
    return {
      ...empty(source, 'unknown', prepared.parsed),
      checks: [check('signature', false, `verification failed with an unexpected error: ${(error as Error).message}`, source)],
    };
  }
}

function evaluate(prepared: PreparedAttestation, context: EvaluationContext): AttestationEvaluation {
  const source = prepared.document.source;
  const parsed = prepared.parsed;
  if (!parsed) {
    return { ...empty(source, 'unknown', undefined), checks: [check('attestation.format', false, `not a Sigstore bundle: ${prepared.problem}`, source)] };
  }
  const statement = parsed.statement;
  const listedAs = prepared.document.npmPredicateType;
  if (listedAs !== undefined && statement !== undefined && statement.predicateType !== listedAs) {
    return {
      ...empty(source, 'unknown', parsed),
      checks: [check('attestation.format', false, `listed as ${listedAs}, but its statement is ${statement.predicateType}`, source)],
    };
  }

  // Is it about the artifact? Decided before any cryptography: attestations about other
  // artifacts are set aside, not failed.
  const { artifact } = context;
  let content: DsseContent | ArtifactMessageContent;
  let aboutDetail: string;
  if (parsed.bundle.content.$case === 'messageSignature') {
    const signature = parsed.bundle.content.messageSignature;
    const algorithm = messageDigestAlgorithm(signature.messageDigest?.algorithm ?? 0);
    if (algorithm === undefined) {
      return { ...empty(source, 'unknown', parsed), checks: [check('attestation.format', false, 'the message digest uses a hash sealkit does not verify', source)] };
    }
    const digest = artifact.digests[algorithm];
    if (digest === undefined || !digest.equals(Buffer.from(signature.messageDigest?.digest ?? []))) {
      const why = digest === undefined ? `it signs a ${algorithm} digest, and only the artifact's ${Object.keys(artifact.digests).join(', ')} is known` : `it signs ${algorithm}:${Buffer.from(signature.messageDigest?.digest ?? []).toString('hex')}`;
      return { ...empty(source, 'no', parsed), checks: [check('artifact.digest', false, `not about ${artifact.label}: ${why}`, source)] };
    }
    content = new ArtifactMessageContent(signature, algorithm, digest, artifact.data);
    aboutDetail = `the bundle signs the artifact's ${algorithm} digest`;
  } else {
    if (!statement) {
      return { ...empty(source, 'unknown', parsed), checks: [check('statement.format', false, parsed.statementProblem ?? 'no statement', source)] };
    }
    const subject = matchingSubject(statement, artifact.digests);
    if (!subject) {
      const named = statement.subject.map((s) => `${s.name ?? '(unnamed)'} ${Object.entries(s.digest).map(([a, v]) => `${a}:${v.slice(0, 12)}…`).join(' ')}`);
      return { ...empty(source, 'no', parsed), checks: [check('artifact.digest', false, `not about ${artifact.label}: its subjects are ${named.join(', ')}`, source)] };
    }
    content = new DsseContent(parsed.bundle.content.dsseEnvelope);
    const shared = Object.keys(subject.digest).filter((a) => artifact.digests[a as DigestAlgorithm] !== undefined);
    aboutDetail = `the subject ${subject.name ?? '(unnamed)'} has the artifact's ${shared.join(' and ')} digest`;
  }

  const npmPublish = statement?.predicateType === NPM_PUBLISH_PREDICATE_TYPE;
  const crypto = verifyCryptography(parsed, content, npmPublish ? context.npmTrust : context.trust, source);
  const checks: VerificationCheck[] = [check('artifact.digest', true, aboutDetail, source)];
  if (statement) checks.push(check('statement.format', true, `an in-toto statement, predicate ${statement.predicateType}`, source));
  checks.push(...crypto.checks);
  const evaluation: AttestationEvaluation = { ...empty(source, 'yes', parsed), checks, signer: crypto.signer };
  if (!crypto.passed || !crypto.signer) return evaluation;
  evaluation.authentic = allPassed(checks, 'integrity');
  if (npmPublish) {
    evaluation.npmPublish = evaluation.authentic;
    return evaluation;
  }

  const isProvenance = statement !== undefined && isSlsaProvenance(statement.predicateType);
  const parsedProvenance = isProvenance ? parseProvenance(statement) : undefined;
  const provenance = parsedProvenance?.provenance;
  evaluation.provenance = provenance;
  checks.push(...policyChecks(context.policy, crypto.signer, provenance, context.builders, source));
  if (!isProvenance) return evaluation;
  if (!provenance) {
    checks.push(check('provenance.predicate', false, `unreadable SLSA provenance: ${parsedProvenance?.problem}`, source));
    return evaluation;
  }
  checks.push(check('provenance.predicate', true, `SLSA provenance (${statement.predicateType}) by builder ${provenance.builderId}`, source));
  checks.push(signedCheck(crypto.signer, crypto.timestamps, source));
  checks.push(hostedPlatformCheck(crypto.signer, source));
  checks.push(certificateAgreementCheck(crypto.signer, provenance, source));
  checks.push(...builderChecks(crypto.signer, provenance, context.builders, source));
  evaluation.level = levelOf(checks);
  return evaluation;
}

/** L2's "signed, and the signature verifies against the trust material" with a proven signing time. */
function signedCheck(signer: VerifiedSigner, timestamps: number, source: string): VerificationCheck {
  if (signer.kind === 'certificate') {
    return check('provenance.signed', true, 'signed by a certificate that chains to the trusted root, logged and timestamped', source);
  }
  return timestamps > 0
    ? check('provenance.signed', true, `signed by the trusted key ${signer.keyId}, with a verified signing time`, source)
    : check('provenance.signed', false, `signed by the trusted key ${signer.keyId}, but neither logged nor timestamped`, source);
}

/** The highest level whose level checks (and those of the levels below) all passed. */
function levelOf(checks: readonly VerificationCheck[]): 0 | 1 | 2 | 3 {
  let level: 0 | 1 | 2 | 3 = 0;
  for (const candidate of [1, 2, 3] as const) {
    const required = checks.filter((c) => c.category === 'level' && c.level === candidate);
    if (required.length === 0 || !required.every((c) => c.passed)) break;
    level = candidate;
  }
  return level;
}

function empty(source: string, about: AttestationEvaluation['about'], parsed: ParsedBundle | undefined): AttestationEvaluation {
  return {
    source,
    about,
    kind: parsed?.kind,
    predicateType: parsed?.statement?.predicateType,
    checks: [],
    authentic: false,
    level: 0,
    signer: undefined,
    provenance: undefined,
    statement: parsed?.statement,
    npmPublish: false,
  };
}
