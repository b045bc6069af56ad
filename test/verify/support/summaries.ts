/**
 * What verification knows of a signer and a provenance once parsed, built field by field for
 * tests of the checks that read them: a github-hosted GitHub Actions workflow of acme/widget
 * on main, whose certificate and provenance agree, unless a test overrides a field.
 * @module
 */
import type { CertificateIdentity } from '../../../src/verify/certificate-identity.js';
import type { ProvenanceSummary } from '../../../src/verify/provenance/parse-provenance.js';
import type { VerifiedSigner } from '../../../src/verify/verify-signature.js';

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
export const WORKFLOW = 'https://github.com/acme/widget/.github/workflows/release.yml@refs/heads/main';
export const COMMIT = 'a'.repeat(40);

/** A Fulcio certificate signer for {@link WORKFLOW}, with `overrides`. */
export function certificateSigner(overrides: Partial<CertificateIdentity> = {}): VerifiedSigner {
  return {
    kind: 'certificate',
    identity: {
      subject: WORKFLOW,
      issuer: GITHUB_ISSUER,
      buildSignerUri: WORKFLOW,
      runnerEnvironment: 'github-hosted',
      sourceRepositoryUri: 'https://github.com/acme/widget',
      sourceRepositoryRef: 'refs/heads/main',
      sourceRepositoryDigest: COMMIT,
      buildConfigUri: WORKFLOW,
      legacyExtensionsOnly: false,
      notBefore: '2025-01-01T00:00:00.000Z',
      notAfter: '2025-01-01T00:10:00.000Z',
      ...overrides,
    },
  };
}

/** SLSA v1 provenance of acme/widget's main at {@link COMMIT}, built by `builderId`, with `overrides`. */
export function provenanceSummary(builderId: string, overrides: Partial<ProvenanceSummary> = {}): ProvenanceSummary {
  return {
    predicateType: 'https://slsa.dev/provenance/v1',
    builderId,
    buildType: 'https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1',
    source: { repository: 'https://github.com/acme/widget', ref: 'refs/heads/main', commit: COMMIT },
    buildConfig: WORKFLOW,
    ...overrides,
  };
}
