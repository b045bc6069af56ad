/**
 * Consistency of a bundle's inclusion proofs with their own checkpoints. `@sigstore/verify`
 * recomputes the root from the proof and compares it with the signed checkpoint, ignoring the
 * proof's `rootHash` and `treeSize` fields; a bundle whose fields disagree with what was signed
 * has been altered, so sealkit refuses it rather than reading past it.
 * @module
 */
import type { TransparencyLogEntry } from '@sigstore/bundle';

/** Why an entry's inclusion proof disagrees with its checkpoint, or undefined. */
export function inclusionProofProblem(entries: readonly TransparencyLogEntry[]): string | undefined {
  for (const [i, entry] of entries.entries()) {
    const proof = entry.inclusionProof;
    const envelope = proof?.checkpoint?.envelope;
    if (!proof || !envelope) continue;
    // A checkpoint note: origin, tree size, base64 root hash, then extensions and signatures.
    const [, size, root] = envelope.split('\n');
    if (size === undefined || root === undefined || !/^\d+$/.test(size)) continue; // the library refuses malformed notes
    if (!Buffer.from(root, 'base64').equals(Buffer.from(proof.rootHash))) {
      return `log entry ${i}: the inclusion proof's root hash is not the one its checkpoint signs`;
    }
    if (BigInt(size) !== BigInt(proof.treeSize)) {
      return `log entry ${i}: the inclusion proof's tree size (${proof.treeSize}) is not the checkpoint's (${size})`;
    }
  }
  return undefined;
}
