/**
 * `signArtifact`: a Sigstore message-signature bundle for a file, bytes, a stream or a digest;
 * for an image in a registry, cosign 3's DSSE image signature, attached to it.
 * The artifact is read once; its digests and its signature are computed in the same pass,
 * with the hash the Sigstore algorithm registry pairs with the key (SHA-384 for P-384,
 * SHA-512 for P-521, SHA-256 otherwise). A precomputed SHA-256 is signed as it is by any
 * signer whose hash is SHA-256.
 * @module
 */
import { SigningError, UsageError, throwIfAborted } from '../errors.js';
import { attachBundle } from '../registry/attach.js';
import {
  isRegistrySubject,
  parseRegistrySubject,
  registryClient,
  resolveRegistrySubject,
  subjectDescriptor,
  type RegistryAttachOptions,
  type RegistryAttachment,
} from '../registry/subject.js';
import { digestArtifact, isPrecomputedDigest, parseDigest, type ArtifactInput } from '../util/artifact-digest.js';
import type { HashAlgorithm } from '../util/digest-signature.js';
import { completeBundle } from './complete-bundle.js';
import { IN_TOTO_STATEMENT_V1, signStatement, type InTotoStatement } from './dsse.js';
import type { SignResult, SigningOptions } from './sign-options.js';
import { planSigning } from './signing-plan.js';
import type { MessageSigner } from './signers/signer.js';

/** Options of {@link signArtifact}: signing, and the registry of a `registry:REF` artifact. */
export interface SignArtifactOptions extends SigningOptions, RegistryAttachOptions {}

/** What {@link signArtifact} returns; `registry` says where a `registry:REF` signature went. */
export interface SignArtifactResult extends SignResult {
  /** For a `registry:REF` artifact: the image signed (its manifest digest) and the referrer pushed. */
  registry?: RegistryAttachment;
}

/**
 * Signs `artifact` and returns a Sigstore bundle v0.3 holding a message signature (for an
 * image in a registry, a DSSE envelope: see below).
 *
 * Keyless by default: an OIDC identity token (from `options.identityToken`,
 * `SIGSTORE_ID_TOKEN`, GitHub Actions, Buildkite or GitLab CI) is exchanged at Fulcio for a
 * short-lived certificate of an ephemeral P-256 key, and the signature is logged in Rekor.
 * With `options.key` or `options.signer` it signs with that key instead.
 *
 * The signature and the bundle's `messageDigest` use the hash the Sigstore algorithm
 * registry pairs with the key: SHA-256 for P-256 and RSA, SHA-384 for P-384, SHA-512 for
 * P-521; a Rekor entry names the same hash.
 *
 * A `{ sha256 }` artifact (computed elsewhere, e.g. by a build system) is signed without
 * reading anything: keyless, with a P-256 or RSA `key`, or through a `signer` with such a
 * key. P-384 and P-521 keys sign SHA-384 and SHA-512 digests, so they need the artifact
 * itself (`KEY_INVALID` otherwise). Ed25519 keys cannot sign message signatures at all
 * (`KEY_INVALID`).
 *
 * An image in a registry, `registry:host/repo[:tag][@sha256:<hex>]`, is signed in place, in
 * the layout cosign 3 signs images with: the reference is resolved to the manifest it names (an
 * index stays an index), an in-toto statement of predicate type
 * {@link IMAGE_SIGNATURE_PREDICATE_TYPE} whose subject is the manifest digest is signed as a
 * DSSE bundle (so Ed25519 keys sign images too), and the bundle is attached to the image as an
 * OCI 1.1 referrer (unless `upload` is false). See docs/registry.md.
 *
 * @throws {SealkitError} with a stable code: `IDENTITY_TOKEN_*`, `KEY_*`, `SERVICE_*`,
 *   `ARTIFACT_UNREADABLE`, `SIGNING_CONFIG_INVALID`, `BUNDLE_INVALID`, `OUTPUT_WRITE_FAILED`,
 *   `REGISTRY_*`…
 */
export async function signArtifact(artifact: ArtifactInput, options: SignArtifactOptions = {}): Promise<SignArtifactResult> {
  if (artifact === null || artifact === undefined) {
    throw new UsageError('INVALID_ARGUMENT', 'artifact must be a path, a Buffer, a readable stream or { sha256 }');
  }
  const { registry, upload, ...signing } = options;
  if (isRegistrySubject(artifact)) return signInRegistry(artifact, signing, { registry, upload });
  // A malformed digest is refused before any identity token is looked for.
  const precomputed = isPrecomputedDigest(artifact) ? parseDigest(artifact.sha256).sha256 : undefined;
  const plan = await planSigning(signing);
  const hash = messageHash(plan.signer);
  if (precomputed) {
    if (hash !== 'sha256') throw precomputedNeedsSha256(hash);
    throwIfAborted(signing.signal);
    const signature = await plan.signer.signDigest(hash, precomputed);
    return completeBundle(plan, { kind: 'message', hash, digest: precomputed, sha256: precomputed, signature }, signing);
  }
  const session = plan.signer.begin(hash);
  const read = await digestArtifact(artifact, {
    algorithms: [hash],
    onChunk: (chunk) => session.update(chunk),
    onProgress: (bytes, totalBytes) => signing.onProgress?.({ stage: 'hash', bytes, totalBytes }),
    signal: signing.signal,
  });
  const digest = read.digests[hash] as Buffer; // asked for in `algorithms`
  const signature = await session.finish(digest, read.data);
  return completeBundle(plan, { kind: 'message', hash, digest, sha256: read.sha256, signature }, signing);
}

/**
 * The predicate type of an image signature in cosign 3's layout: a statement that says nothing
 * more than that its signer signed the image its subject names.
 */
export const IMAGE_SIGNATURE_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';

/**
 * Signs the manifest a `registry:REF` names as cosign 3 does: a DSSE statement about its digest,
 * which `cosign verify` and sealkit's verification in place both read as the image's signature.
 */
async function signInRegistry(artifact: string, signing: SigningOptions, access: RegistryAttachOptions): Promise<SignArtifactResult> {
  const reference = parseRegistrySubject(artifact);
  const client = registryClient({ ...access, signal: signing.signal });
  const subject = await resolveRegistrySubject(reference, client);
  const [algorithm = 'sha256', hex = ''] = subject.digest.split(':');
  const statement: InTotoStatement = {
    _type: IN_TOTO_STATEMENT_V1,
    subject: [{ name: subject.name, digest: { [algorithm]: hex } }],
    predicateType: IMAGE_SIGNATURE_PREDICATE_TYPE,
    predicate: {},
  };
  const result = await signStatement(statement, signing);
  if (access.upload === false) {
    return { ...result, registry: { reference: subject.reference.toString(), subject: subjectDescriptor(subject) } };
  }
  return { ...result, registry: await attachBundle(client, subject, result.bundle) };
}

/** The hash of `signer`'s message signatures, or KEY_INVALID for keys that have none. */
function messageHash(signer: MessageSigner): HashAlgorithm {
  if (signer.algorithm !== 'ed25519' && signer.messageHash) return signer.messageHash;
  // Verifiers check message signatures over the artifact's digest (Rekor with Ed25519ph),
  // which pure Ed25519 cannot produce; DSSE envelopes sign the payload itself and work.
  throw new SigningError(
    'KEY_INVALID',
    'Ed25519 keys cannot make message-signature bundles that Sigstore verifiers accept; sign with an ECDSA or RSA key, or sign an in-toto statement (DSSE) with this key',
  );
}

function precomputedNeedsSha256(hash: HashAlgorithm): SigningError {
  const [name, curve] = hash === 'sha384' ? ['SHA-384', 'P-384'] : ['SHA-512', 'P-521'];
  return new SigningError(
    'KEY_INVALID',
    `a precomputed { sha256 } cannot be signed with this ${curve} key: the Sigstore algorithm registry pairs ${curve} with ${name}, so its message signatures are made over the artifact's ${name}. Pass the artifact itself (a path, bytes or a stream) so that sealkit hashes it with ${name}, or sign the SHA-256 digest with a P-256 or RSA key`,
    { details: { hash, curve } },
  );
}
