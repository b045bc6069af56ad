/**
 * Verification in place: an image in a registry (`registry:REF`) as the artifact, and the
 * Sigstore bundles attached to it as the attestations. The reference is resolved to its
 * manifest digest; every bundle attached to that digest is fetched — OCI 1.1 referrers (through
 * the referrers API or the tag index) and cosign's older `.sig`/`.att` tags — and verified by
 * the same engine, policy and trust as bundles given as files. Each check and attestation in
 * the result names the referrer it came from.
 *
 * Fails closed: a registry failure is an error, never "no attestations, nothing failed"; an
 * image with nothing attached is not verified.
 * @module
 */
import { SealkitError, UsageError, throwIfAborted } from '../errors.js';
import type { RegistryClient } from '../registry/client.js';
import type { ImageReference } from '../registry/reference.js';
import { isRegistrySubject, parseRegistrySubject, registryClient, resolveRegistrySubject, type RegistryAccessOptions } from '../registry/subject.js';
import { inBackground } from '../util/concurrency.js';
import type { Descriptor, Referrer, ReferrerSource } from '../registry/types.js';
import { DEFAULT_MAX_ATTESTATION_BYTES } from './attestations/load-attestations.js';
import { allPassed, check, type VerificationCheck } from './checks.js';
import {
  DSSE_ENVELOPE_MEDIA_TYPE,
  SIMPLE_SIGNING_MEDIA_TYPE,
  attestationLayerBundle,
  signatureLayerBundle,
  simpleSigningBinding,
} from './cosign-legacy.js';
import { normalizePolicy } from './policy/verification-policy.js';
import { verifyAttestations } from './verify-attestations.js';
import type { AttestationReport, VerificationResult, VerifyBundleOptions } from './verify-types.js';

/** Artifact types of Sigstore bundles attached as referrers (v0.3, and the older `;version=` form). */
export const BUNDLE_ARTIFACT_TYPE_PREFIX = 'application/vnd.dev.sigstore.bundle';

/** Default bound on the bundles read from one image (referrers and cosign layers together). */
export const DEFAULT_MAX_REFERRERS = 64;

/** True when `artifact` names an image in a registry: `registry:host/repo[:tag][@digest]`. */
export const isRegistryArtifact = isRegistrySubject;

/** Options of verifying a `registry:REF` artifact: the policy and trust, and how to reach the registry. */
export interface VerifyRegistryOptions extends VerifyBundleOptions, RegistryAccessOptions {
  /**
   * Most bundles read from the image: referrers, plus each layer of cosign's `.sig` and `.att`
   * manifests (default 64). More is `LIMIT_EXCEEDED`: an image carrying that many is refused
   * rather than partly verified. Their bytes together are bounded by `maxAttestationBytes`.
   */
  maxReferrers?: number;
}

/** A check of a registry verification: `referrer` is the digest of the referrer manifest it is about. */
export interface RegistryVerificationCheck extends VerificationCheck {
  referrer?: string;
}

/** An attestation read from the registry, with the referrer manifest it came from. */
export interface RegistryAttestationReport extends AttestationReport {
  /** Digest of the referrer manifest (for cosign's layouts, of the `.sig`/`.att` manifest). */
  referrer: string;
  /** How it was found: referrers API, referrers tag index, or cosign's `.sig`/`.att` tag. */
  referrerSource: ReferrerSource;
}

/**
 * The result of verifying an image in a registry: {@link VerificationResult}, with the image
 * resolved and the referrer behind every check and attestation.
 */
export interface RegistryVerificationResult extends VerificationResult {
  checks: RegistryVerificationCheck[];
  attestations: RegistryAttestationReport[];
  /** The image verified: the reference pinned to its digest, and the manifest's digest and type. */
  subject: { reference: string; digest: string; mediaType: string };
}

/** Where one bundle came from. */
interface Origin {
  label: string;
  referrer: string;
  source: ReferrerSource;
}

/** What was read from the registry, ready for the engine. */
interface Collected {
  /** Bundles about the manifest digest (referrer bundles, as bytes; converted `.att` layers). */
  bundles: Array<{ input: Uint8Array | Record<string, unknown>; origin: Origin }>;
  /** Converted `.sig` layers, each verified against its own payload. */
  signatures: Array<{ payload: Buffer; bundle: Record<string, unknown>; origin: Origin }>;
  /** Layers that could not be made a bundle, or sign another image: reported, not verified. */
  refused: Array<{ origin: Origin; about: 'no' | 'unknown'; check: VerificationCheck }>;
}

/**
 * Verifies the bundles attached to the image `ref` (`registry:host/repo[:tag][@digest]`).
 * `defaultMinLevel` is 1 for SLSA verification, 0 otherwise.
 * @throws {UsageError} for a malformed reference or policy; {@link RegistryError} when the
 *   registry fails (unauthorized, not found, a digest mismatch…); `LIMIT_EXCEEDED` past the bounds.
 */
export async function verifyRegistryArtifact(ref: string, options: VerifyRegistryOptions, defaultMinLevel: 0 | 1): Promise<RegistryVerificationResult> {
  // The policy is checked before the registry is asked anything.
  const policy = normalizePolicy(options, defaultMinLevel);
  const maxReferrers = options.maxReferrers ?? DEFAULT_MAX_REFERRERS;
  if (!Number.isSafeInteger(maxReferrers) || maxReferrers < 1) throw new UsageError('INVALID_ARGUMENT', 'maxReferrers must be a positive integer');
  const client = registryClient(options);
  const reference = parseRegistrySubject(ref);
  // Named by digest, the image's referrers are asked for with its manifest: one round trip, not two.
  const early = reference.digest === undefined ? undefined : inBackground(client.referrers(reference, reference.digest));
  const subject = await resolveRegistrySubject(reference, client);
  throwIfAborted(options.signal);
  const referrers = (await (early ?? client.referrers(subject.reference, subject.digest))).filter(
    (r) => r.source === 'cosign-signature' || r.source === 'cosign-attestation' || r.artifactType?.startsWith(BUNDLE_ARTIFACT_TYPE_PREFIX),
  );
  if (referrers.length > maxReferrers) throw tooMany(referrers.length, maxReferrers, subject.reference);
  const collected = await collect(client, subject.reference, subject.digest, referrers, {
    maxReferrers,
    maxBytes: options.maxAttestationBytes ?? DEFAULT_MAX_ATTESTATION_BYTES,
    signal: options.signal,
  });

  const { registry: _registry, maxReferrers: _max, ...verifyOptions } = options;
  // Each run is held to no level: the level is required once, of the whole image, below.
  const runOptions: VerifyBundleOptions = { ...verifyOptions, minLevel: 0 };
  const runs: Array<{ result: VerificationResult; origin: (source: string) => Origin | undefined }> = [];
  if (collected.bundles.length > 0) {
    const origins = collected.bundles.map((b) => b.origin);
    const result = await verifyAttestations(subject.digest, collected.bundles.map((b) => b.input), runOptions, 0);
    runs.push({ result, origin: (source) => origins[Number(/^attestations\[(\d+)\]/.exec(source)?.[1] ?? -1)] });
  }
  for (const signature of collected.signatures) {
    const result = await verifyAttestations(signature.payload, signature.bundle, runOptions, 0);
    runs.push({ result, origin: (source) => (source.startsWith('the bundle') ? signature.origin : undefined) });
  }
  return merge(runs, collected.refused, policy.minLevel, {
    reference: subject.reference.toString(),
    digest: subject.digest,
    mediaType: subject.mediaType,
  });
}

/** Fetches each referrer and its layers, under the count and byte bounds. */
async function collect(
  client: RegistryClient,
  image: ImageReference,
  digest: string,
  referrers: readonly Referrer[],
  limits: { maxReferrers: number; maxBytes: number; signal: AbortSignal | undefined },
): Promise<Collected> {
  const collected: Collected = { bundles: [], signatures: [], refused: [] };
  let count = 0;
  let budget = limits.maxBytes;
  const read = async (layer: Descriptor): Promise<Buffer> => {
    if (++count > limits.maxReferrers) throw tooMany(count, limits.maxReferrers, image);
    if (layer.size > budget) {
      throw new SealkitError(
        'LIMIT_EXCEEDED',
        `the bundles attached to ${image} hold more than ${limits.maxBytes} bytes (raise maxAttestationBytes if they are genuine)`,
        { details: { reference: image.toString(), maxBytes: limits.maxBytes } },
      );
    }
    budget -= layer.size;
    return client.readBlob(image, layer, layer.size);
  };
  for (const referrer of referrers) {
    throwIfAborted(limits.signal);
    const fetched = await client.getManifest(image.withDigest(referrer.digest));
    const manifest = fetched.manifest;
    const base = { referrer: referrer.digest, source: referrer.source };
    if (manifest.kind !== 'manifest') {
      collected.refused.push(refusal({ ...base, label: referrer.digest }, 'unknown', 'the referrer is an index, not an artifact manifest holding a bundle'));
      continue;
    }
    if (referrer.source === 'referrers-api' || referrer.source === 'referrers-tag') {
      if (manifest.subject?.digest !== digest) {
        const named = manifest.subject?.digest ?? 'no subject';
        collected.refused.push(refusal({ ...base, label: referrer.digest }, 'unknown', `the referrer is listed for ${digest}, but its subject is ${named}`));
        continue;
      }
      const layers = manifest.layers.filter((l) => l.mediaType.startsWith(BUNDLE_ARTIFACT_TYPE_PREFIX));
      if (layers.length === 0) {
        collected.refused.push(refusal({ ...base, label: referrer.digest }, 'unknown', 'the referrer holds no Sigstore bundle layer'));
        continue;
      }
      for (const [i, layer] of layers.entries()) {
        const label = layers.length === 1 ? referrer.digest : `${referrer.digest}[${i}]`;
        collected.bundles.push({ input: await read(layer), origin: { ...base, label } });
      }
      continue;
    }
    // cosign's layout: one signature or attestation per layer.
    for (const [i, layer] of manifest.layers.entries()) {
      const origin = { ...base, label: `${referrer.tag ?? referrer.digest}[${i}]` };
      const expected = referrer.source === 'cosign-signature' ? SIMPLE_SIGNING_MEDIA_TYPE : DSSE_ENVELOPE_MEDIA_TYPE;
      if (layer.mediaType !== expected) {
        collected.refused.push(refusal(origin, 'unknown', `the layer is ${layer.mediaType}, not ${expected}`));
        continue;
      }
      const bytes = await read(layer);
      if (referrer.source === 'cosign-attestation') {
        const converted = attestationLayerBundle(layer, bytes);
        if (converted.problem !== undefined) collected.refused.push(refusal(origin, 'unknown', converted.problem));
        else collected.bundles.push({ input: converted.bundle, origin });
        continue;
      }
      const binding = simpleSigningBinding(bytes, digest);
      if (binding.about !== 'yes') {
        collected.refused.push(refusal(origin, binding.about, binding.problem, binding.about === 'no' ? 'artifact.digest' : 'attestation.format'));
        continue;
      }
      const converted = signatureLayerBundle(layer, bytes);
      if (converted.problem !== undefined) collected.refused.push(refusal(origin, 'unknown', converted.problem));
      else collected.signatures.push({ payload: bytes, bundle: converted.bundle, origin });
    }
  }
  return collected;
}

/**
 * One verdict from the engine's runs: the referrer bundles against the manifest digest, and
 * each cosign signature against its payload. Per-attestation checks are kept as they are; the
 * verdict-wide ones are derived again over every attestation, as the engine derives them over
 * one list: at least one is about the image, every one about it is authentic, a policy
 * requirement is met when some authentic attestation was checked for it, and the level is the
 * highest proven.
 */
function merge(
  runs: ReadonlyArray<{ result: VerificationResult; origin: (source: string) => Origin | undefined }>,
  refused: Collected['refused'],
  minLevel: 0 | 1 | 2 | 3,
  subject: RegistryVerificationResult['subject'],
): RegistryVerificationResult {
  const perAttestation: RegistryVerificationCheck[] = [];
  const unproven: VerificationCheck[] = [];
  const reports: RegistryAttestationReport[] = [];
  for (const { result, origin } of runs) {
    for (const c of result.checks) {
      if (c.source === undefined) {
        if (c.id !== 'attestations.match' && c.id !== 'level.minimum') unproven.push(c);
        continue;
      }
      perAttestation.push(relabel(c, origin(c.source)));
    }
    for (const a of result.attestations) {
      const from = origin(a.source);
      reports.push({ ...a, source: from?.label ?? a.source, referrer: from?.referrer ?? '', referrerSource: from?.source ?? 'referrers-api' });
    }
  }
  for (const r of refused) {
    // As in the engine, what is about another image is set aside: reported, not a check.
    if (r.about !== 'no') perAttestation.push({ ...r.check, referrer: r.origin.referrer });
    reports.push({
      source: r.origin.label,
      about: r.about,
      kind: undefined,
      predicateType: undefined,
      authentic: false,
      level: 0,
      referrer: r.origin.referrer,
      referrerSource: r.origin.source,
    });
  }
  const matched = reports.filter((a) => a.about === 'yes');
  const provenBy = new Set(
    perAttestation.filter((c) => matched.some((a) => a.authentic && a.source === c.source)).map((c) => c.id),
  );
  const global: VerificationCheck[] = [matchCheck(matched.length, reports.length, subject)];
  global.push(...unproven.filter((c) => c.category !== 'policy' || !provenBy.has(c.id)));
  const authentic = matched.length > 0 && allPassed(global, 'integrity') && reports.filter((a) => a.about !== 'no').every((a) => a.authentic);
  const level = authentic ? (Math.max(0, ...matched.map((a) => a.level)) as 0 | 1 | 2 | 3) : 0;
  if (minLevel > 0) {
    global.push(
      level >= minLevel
        ? check('level.minimum', true, `SLSA Build L${level} proven; L${minLevel} required`)
        : check('level.minimum', false, `SLSA Build L${level} proven, but L${minLevel} is required`),
    );
  }
  const checks = [...global, ...perAttestation];
  const basis =
    runs.find((r) => r.result.provenance !== undefined && r.result.level === level && r.result.signer !== undefined) ??
    runs.find((r) => r.result.provenance !== undefined && r.result.signer !== undefined) ??
    runs.find((r) => r.result.signer !== undefined && r.result.attestations.some((a) => a.about === 'yes' && a.authentic));
  const [algorithm = 'sha256', hex = ''] = subject.digest.split(':');
  return {
    verified: authentic && allPassed(checks, 'policy') && level >= minLevel,
    level,
    checks,
    signer: basis?.result.signer,
    provenance: basis?.result.provenance,
    artifact: { [algorithm]: hex },
    attestations: reports,
    subject,
  };
}

function relabel(c: VerificationCheck, origin: Origin | undefined): RegistryVerificationCheck {
  if (origin === undefined) return { ...c };
  return { ...c, source: origin.label, referrer: origin.referrer };
}

function refusal(origin: Origin, about: 'no' | 'unknown', problem: string, id: 'attestation.format' | 'artifact.digest' = 'attestation.format') {
  return { origin, about, check: check(id, false, problem, origin.label) };
}

function matchCheck(matched: number, total: number, subject: RegistryVerificationResult['subject']): VerificationCheck {
  if (total === 0) {
    return check(
      'attestations.match',
      false,
      `no Sigstore bundle is attached to ${subject.reference}: none among its referrers, nor in cosign's .sig and .att tags`,
    );
  }
  if (matched === 0) return check('attestations.match', false, `none of the ${total} bundles attached to ${subject.reference} is about ${subject.digest}`);
  return check('attestations.match', true, `${matched} of ${total} attached ${total === 1 ? 'bundle is' : 'bundles are'} about ${subject.digest}`);
}

function tooMany(count: number, max: number, image: ImageReference): SealkitError {
  return new SealkitError(
    'LIMIT_EXCEEDED',
    `${image} has more than ${max} attached bundles (${count} seen); refusing to verify part of them (raise maxReferrers if they are genuine)`,
    { details: { reference: image.toString(), count, maxReferrers: max } },
  );
}
