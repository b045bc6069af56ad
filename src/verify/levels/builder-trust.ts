/**
 * SLSA Build L3 asks that provenance come from a builder its users cannot tamper with. On
 * GitHub that is a reusable workflow run by the build (slsa-github-generator's builders, or one
 * a caller trusts): it signs with its own identity, the Build Signer URI. L3 holds when that
 * signer is trusted and the provenance's `builder.id` is bound to it; a signature by anyone
 * else that claims a trusted builder is caught here.
 * @module
 */
import { check, type VerificationCheck } from '../checks.js';
import type { BuilderTable } from '../provenance/builders.js';
import type { ProvenanceSummary } from '../provenance/parse-provenance.js';
import { normalizeConfigUri } from '../provenance/source-uri.js';
import type { VerifiedSigner } from '../verify-signature.js';

/** The `builder.trusted` and `builder.bound` checks. */
export function builderChecks(signer: VerifiedSigner, provenance: ProvenanceSummary, table: BuilderTable, source: string): VerificationCheck[] {
  const claimed = provenance.builderId;
  if (signer.kind === 'key') {
    const detail = `signed with a key, not by a builder's identity; the provenance claims ${claimed}`;
    return [check('builder.trusted', false, detail, source), check('builder.bound', false, detail, source)];
  }
  const identity = signer.identity;
  const signerUri = identity.buildSignerUri ?? identity.subject;
  const same = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && normalizeConfigUri(a) === normalizeConfigUri(b);

  const delegator = table.find(signerUri, ['delegator']);
  if (delegator.builder) {
    const inner = table.find(claimed, ['delegated']);
    if (!inner.builder) {
      return [
        check('builder.trusted', false, `signed by the trusted delegator ${signerUri}, but the builder it ran is not trusted: ${inner.problem}`, source),
        check('builder.bound', true, `builder.id ${claimed} was written by the delegator that signed`, source),
      ];
    }
    return [
      check('builder.trusted', true, `signed by the trusted delegator ${signerUri} for the trusted builder ${claimed}`, source),
      check('builder.bound', true, `builder.id ${claimed} was written by the delegator that signed`, source),
    ];
  }

  const builder = table.find(signerUri, ['builder']);
  const bound = same(claimed, signerUri)
    ? check('builder.bound', true, `builder.id is the signer, ${signerUri}`, source)
    : check('builder.bound', false, `the provenance claims builder ${claimed}, but ${signerUri} signed it`, source);
  const trusted = builder.builder
    ? check('builder.trusted', true, `signed by ${signerUri}, a trusted builder (${builder.builder.origin === 'default' ? 'default table' : 'policy'})`, source)
    : check('builder.trusted', false, `signed by ${signerUri}: ${builder.problem}`, source);
  return [trusted, bound];
}
