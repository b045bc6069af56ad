/**
 * SLSA Build L2 asks that the provenance be authentic. The CI platform vouched, through Fulcio,
 * for the source repository, ref and commit it built and for the build configuration that ran;
 * provenance that claims anything else was not written by that build.
 * @module
 */
import { check, type VerificationCheck } from '../checks.js';
import type { ProvenanceSummary } from '../provenance/parse-provenance.js';
import { normalizeConfigUri, sameRepository } from '../provenance/source-uri.js';
import type { VerifiedSigner } from '../verify-signature.js';

/** The `provenance.certificate` check: every certificate claim agrees with the provenance. */
export function certificateAgreementCheck(signer: VerifiedSigner, provenance: ProvenanceSummary, source: string): VerificationCheck {
  if (signer.kind === 'key') {
    return check('provenance.certificate', false, 'signed with a key: there is no certificate to vouch for the source', source);
  }
  const cert = signer.identity;
  const problems: string[] = [];
  const agreed: string[] = [];
  compare('source repository', cert.sourceRepositoryUri, provenance.source.repository, sameRepository);
  compare('ref', cert.sourceRepositoryRef, provenance.source.ref, (a, b) => a === b);
  compare('commit', cert.sourceRepositoryDigest, provenance.source.commit, (a, b) => a?.toLowerCase() === b?.toLowerCase());
  // The Build Config URI is the top-level workflow; before it existed the SAN named the workflow
  // that signed, which is the same one unless a reusable workflow signed.
  const configUri = cert.buildConfigUri ?? (cert.legacyExtensionsOnly ? cert.buildSignerUri : undefined);
  compare('build configuration', configUri, provenance.buildConfig, (a, b) => a !== undefined && b !== undefined && normalizeConfigUri(a) === normalizeConfigUri(b));

  if (problems.length > 0) return check('provenance.certificate', false, problems.join('; '), source);
  return check('provenance.certificate', true, `the certificate and the provenance agree on ${agreed.join(', ')}`, source);

  function compare(what: string, certificateValue: string | undefined, provenanceValue: string | undefined, same: (a: string | undefined, b: string | undefined) => boolean): void {
    if (certificateValue === undefined) problems.push(`the certificate does not record the ${what}`);
    else if (provenanceValue === undefined) problems.push(`the provenance does not state the ${what}`);
    else if (!same(certificateValue, provenanceValue)) problems.push(`${what}: the certificate says ${certificateValue}, the provenance ${provenanceValue}`);
    else agreed.push(`the ${what} (${certificateValue})`);
  }
}
