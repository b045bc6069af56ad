/**
 * `promote`: build once, promote many. An image is resolved to its digest in the source
 * registry, verified under a policy, and only then copied by digest — manifests, blobs and
 * attached referrers — to the destination, tagged there, and read back to prove that the
 * destination serves the same digest.
 * @module
 */
import { UsageError, throwIfAborted } from '../errors.js';
import { TOOL } from '../version.js';
import { RegistryClient, type RegistryClientOptions } from '../registry/client.js';
import { executeCopy, pinnedTo, type CopyProgress, type CopySummary } from './copy.js';
import { checkPromotionPolicy, decide, type PromotionEvidence, type PromotionPolicy, type PromotionVerifier } from './gate.js';
import { planCopy } from './plan.js';
import { checkTag } from './tag-guard.js';
import type { PromotionVsa, PromotionVsaOptions } from './vsa.js';
import { RegistryError } from '../registry/errors.js';
import type { ImageReference } from '../registry/reference.js';
import { parseRegistrySubject } from '../registry/subject.js';
import { verifyInRegistry } from './verify.js';
import { inBackground } from '../util/concurrency.js';

export type { PromotionPolicy, PromotionEvidence, PromotionVerifier, VerifiedReferrer } from './gate.js';
export type { CopySummary, CopyProgress } from './copy.js';
export { VSA_PREDICATE_TYPE } from './vsa-predicate.js';
export type { PromotionVsa, PromotionVsaOptions, VerificationSummaryPredicate } from './vsa.js';

/** Registry access of a promotion: one client for both ends, or one per end. */
export type PromoteRegistryOptions =
  | RegistryClient
  | RegistryClientOptions
  | { source: RegistryClient | RegistryClientOptions; destination: RegistryClient | RegistryClientOptions };

/** A stage of a promotion, for progress display. */
export type PromoteProgress =
  | { stage: 'resolve' | 'verify' | 'plan' | 'tag' | 'prove' | 'vsa' }
  | ({ stage: 'copy' } & CopyProgress);

/** Options of {@link promote}. */
export interface PromoteOptions {
  /** What the image must prove before it is copied. */
  policy: PromotionPolicy;
  /**
   * Clients, or their options (credentials, plain HTTP, limits). Separate `source` and
   * `destination` keep each registry's credentials away from the other.
   */
  registry?: PromoteRegistryOptions;
  /** Sign a SLSA Verification Summary Attestation of the decision and attach it at the destination. */
  vsa?: PromotionVsaOptions;
  /**
   * The gate: verifies the source's attached bundles. Default: sealkit's verification in
   * place, with the policy's trust material.
   */
  verify?: PromotionVerifier;
  /** Blobs copied at once (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (progress: PromoteProgress) => void;
}

/** What a promotion did. */
export interface PromoteResult {
  /** The promoted manifest's (or index's) digest, the same at both ends. */
  digest: string;
  mediaType: string;
  /** `registry/repository@digest` at the source. */
  source: string;
  /** `registry/repository[:tag]@digest` at the destination. */
  destination: string;
  /** The gate's evidence: the verification result and the referrers that proved it. */
  evidence: PromotionEvidence;
  /** What was written. */
  copy: CopySummary;
  /** True when the destination already held everything: nothing was written. */
  unchanged: boolean;
  /** The VSA, when one was asked for and something was promoted. */
  vsa: PromotionVsa | undefined;
}

/**
 * Promotes the image `source` to `destination` (`registry:host/repo:tag`, or with `@sha256:`;
 * the `registry:` prefix is optional) under `options.policy`.
 *
 * 1. `source` is resolved to its manifest digest; everything after is done by digest.
 * 2. Its attached signatures and attestations are verified under the policy. Nothing is
 *    written anywhere before this passed; what follows only reads until then (the plan at the
 *    source, what the destination holds, the first bytes of the blobs to stream), and a
 *    refusal is the answer even when one of those reads failed.
 * 3. A destination tag that names another digest is refused (tags are immutable); one that
 *    names this digest already makes the promotion a check that writes nothing new.
 * 4. The manifest (or index with every platform), configs and layers are copied byte for byte
 *    — mounted across repositories of one registry, else streamed — then the referrers.
 * 5. The tag is written, read back, and its digest compared with the source's.
 * 6. With `vsa`, a signed verification summary is attached to the digest at the destination.
 *
 * A `destination` with a digest (and no tag) is copied without tagging; that digest must be the source's.
 *
 * @throws {VerificationError} `VERIFICATION_FAILED` / `POLICY_FAILED` when the gate refuses
 *   (`details.checks`); {@link RegistryError} `REGISTRY_TAG_CONFLICT` for a tag that would
 *   move, `REGISTRY_DIGEST_MISMATCH` when the destination does not serve the source's digest,
 *   and any other registry failure; {@link UsageError} for bad references or options.
 */
export async function promote(source: string | ImageReference, destination: string | ImageReference, options: PromoteOptions): Promise<PromoteResult> {
  if (typeof options !== 'object' || options === null) throw new UsageError('INVALID_ARGUMENT', 'promote needs options with a policy');
  checkPromotionPolicy(options.policy);
  const src = typeof source === 'string' ? parseRegistrySubject(source) : source;
  const dst = typeof destination === 'string' ? parseRegistrySubject(destination) : destination;
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new UsageError('INVALID_ARGUMENT', `concurrency must be an integer from 1 to 64, not ${concurrency}`);
  }
  const { sourceClient, destinationClient } = clients(options);
  const progress = options.onProgress;
  const signal = options.signal;

  progress?.({ stage: 'resolve' });
  // A source named by tag is read first, for its digest; one named by digest is read beside the
  // gate and the plan, which ask for it too (the client reads a manifest once, by digest).
  const digest = src.digest ?? (await sourceClient.getManifest(src)).digest;
  const pinnedSource = pinnedTo(src, digest);
  if (dst.digest !== undefined && dst.digest !== digest) {
    throw new UsageError('INVALID_ARGUMENT', `the destination names ${dst.digest}, but ${src.toString()} is ${digest}: a promotion copies one digest unchanged`);
  }
  const resolving = inBackground(sourceClient.getManifest(pinnedSource));

  throwIfAborted(signal);
  progress?.({ stage: 'verify' });
  const verifier = options.verify ?? verifyInRegistry;
  // The gate, the copy plan and the survey of the destination run at once: until the gate has
  // passed they only read (the plan at the source, the survey at the destination), and every
  // write of the copy waits for it. Called inside an async function, so that a verifier that
  // throws at once fails the promotion like one that rejects.
  const gated = inBackground(
    (async () => {
      const evidence = await verifier(pinnedSource, options.policy, { client: sourceClient, ...(signal ? { signal } : {}) });
      decide(pinnedSource, options.policy, evidence);
      return evidence;
    })(),
  );
  // A refusal is the promotion's answer, whatever else failed while the gate was deciding.
  const gateFirst = async <T>(work: Promise<T>): Promise<T> => {
    try {
      return await work;
    } catch (error) {
      await gated;
      throw error;
    }
  };
  const planned = inBackground(planCopy(sourceClient, pinnedSource, signal));
  const resolved = await gateFirst(resolving);
  const plan = await gateFirst(planned);
  if (plan.top.digest !== digest) {
    await gated;
    throw new RegistryError('REGISTRY_DIGEST_MISMATCH', `${src.registry}: ${src.toString()}: it now names ${plan.top.digest}, not ${digest}`, { details: { registry: src.registry, reference: src.toString() } });
  }

  throwIfAborted(signal);
  progress?.({ stage: 'plan' });
  // No write happens before the gate passed and the destination tag is known not to name another digest.
  const tagChecked = inBackground(checkTag(destinationClient, dst, digest));
  const copy = await gateFirst(
    executeCopy(plan, {
      sourceClient,
      destinationClient,
      source: pinnedSource,
      destination: pinnedTo(dst, digest),
      concurrency,
      beforeWrites: Promise.all([gated, tagChecked]),
      ...(signal ? { signal } : {}),
      ...(progress ? { onProgress: (p: CopyProgress) => progress({ stage: 'copy', ...p }) } : {}),
    }),
  );
  const evidence = await gated;
  const tagState = await tagChecked;

  let tagWritten = false;
  if (dst.tag !== undefined && tagState === 'absent') {
    throwIfAborted(signal);
    progress?.({ stage: 'tag' });
    // Read again: another promotion may have taken the tag while this one copied.
    if ((await checkTag(destinationClient, dst, digest)) === 'absent') {
      await destinationClient.putManifest(dst.withTag(dst.tag), plan.top.bytes, plan.top.mediaType);
      tagWritten = true;
    }
  }

  progress?.({ stage: 'prove' });
  const atDestination = dst.tag !== undefined ? dst.withTag(dst.tag) : pinnedTo(dst, digest);
  const served = await destinationClient.getManifest(atDestination, { fresh: true });
  if (served.digest !== digest) {
    throw new RegistryError('REGISTRY_DIGEST_MISMATCH', `${dst.registry}: ${atDestination.toString()}: serves ${served.digest} after the promotion, not ${digest}`, {
      details: { registry: dst.registry, reference: atDestination.toString(), expected: digest, actual: served.digest },
    });
  }

  const unchanged = !tagWritten && copy.manifestsWritten === 0 && copy.referrersAttached === 0 && copy.blobs.mounted === 0 && copy.blobs.streamed === 0;
  let vsa: PromotionVsa | undefined;
  if (options.vsa !== undefined && !unchanged) {
    throwIfAborted(signal);
    progress?.({ stage: 'vsa' });
    const target = pinnedTo(dst, digest);
    // the signing stack loads only for a promotion that signs a summary
    const { attachVsa, buildVsaStatement } = await import('./vsa.js');
    const statement = buildVsaStatement(target, options.policy, evidence, { ...pick(options.vsa), version: TOOL.version });
    vsa = await attachVsa(destinationClient, target, { mediaType: resolved.mediaType, digest, size: resolved.size }, statement, {
      ...options.vsa,
      ...(signal ? { signal } : {}),
    });
  }

  return {
    digest,
    mediaType: resolved.mediaType,
    source: `${src.name}@${digest}`,
    destination: `${dst.name}${dst.tag !== undefined ? `:${dst.tag}` : ''}@${digest}`,
    evidence,
    copy,
    unchanged,
    vsa,
  };
}

function pick(vsa: PromotionVsaOptions): { verifierId?: string; policyUri?: string } {
  return { ...(vsa.verifierId ? { verifierId: vsa.verifierId } : {}), ...(vsa.policyUri ? { policyUri: vsa.policyUri } : {}) };
}

function clients(options: PromoteOptions): { sourceClient: RegistryClient; destinationClient: RegistryClient } {
  const make = (given: RegistryClient | RegistryClientOptions | undefined): RegistryClient =>
    given instanceof RegistryClient ? given : new RegistryClient({ ...(options.signal ? { signal: options.signal } : {}), ...given });
  const registry = options.registry;
  if (registry !== undefined && !(registry instanceof RegistryClient) && 'source' in registry && 'destination' in registry) {
    return { sourceClient: make(registry.source), destinationClient: make(registry.destination) };
  }
  const one = make(registry as RegistryClient | RegistryClientOptions | undefined);
  return { sourceClient: one, destinationClient: one };
}
