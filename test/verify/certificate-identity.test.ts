/**
 * Fulcio certificates decoded: the SAN, the issuer and every CI extension of real
 * certificates, checked against the values cases.json recorded with another decoder; and the
 * pre-2023 certificate that carries only the legacy GitHub extensions.
 */
import { X509Certificate } from '@sigstore/core';
import { describe, expect, it } from 'vitest';
import { certificateIdentity } from '../../src/verify/certificate-identity.js';
import { PUBLIC_GOOD_TRUSTED_ROOT } from '../../src/verify/index.js';
import { caseBundleJson, provenanceCase, provenanceCases, type ProvenanceCase } from './support/corpus.js';

/** cases.json extension names -> CertificateIdentity fields. */
const FIELDS: Record<string, string> = {
  issuer: 'issuer',
  buildSignerURI: 'buildSignerUri',
  buildSignerDigest: 'buildSignerDigest',
  runnerEnvironment: 'runnerEnvironment',
  sourceRepositoryURI: 'sourceRepositoryUri',
  sourceRepositoryDigest: 'sourceRepositoryDigest',
  sourceRepositoryRef: 'sourceRepositoryRef',
  sourceRepositoryIdentifier: 'sourceRepositoryIdentifier',
  sourceRepositoryOwnerURI: 'sourceRepositoryOwnerUri',
  sourceRepositoryOwnerIdentifier: 'sourceRepositoryOwnerIdentifier',
  buildConfigURI: 'buildConfigUri',
  buildConfigDigest: 'buildConfigDigest',
  buildTrigger: 'buildTrigger',
  runInvocationURI: 'runInvocationUri',
  sourceRepositoryVisibilityAtSigning: 'sourceRepositoryVisibility',
};

function certificateOf(c: ProvenanceCase): X509Certificate {
  let json = caseBundleJson(c) as Record<string, unknown>;
  if (c.files.bundleFormat === 'npm-attestations-response') json = (json as { attestations: Array<{ bundle: Record<string, unknown> }> }).attestations[0]!.bundle;
  const material = json.verificationMaterial as { certificate?: { rawBytes: string }; x509CertificateChain?: { certificates: Array<{ rawBytes: string }> } };
  const raw = material.certificate?.rawBytes ?? material.x509CertificateChain!.certificates[0]!.rawBytes;
  return X509Certificate.parse(Buffer.from(raw, 'base64'));
}

describe.each(provenanceCases().filter((c) => !c.certificate.onlyLegacyExtensions).map((c) => [c.id, c] as const))('%s', (_id, c) => {
  it('decodes the SAN, validity and every Fulcio extension', () => {
    const identity = certificateIdentity(certificateOf(c));
    const expected = Object.fromEntries(Object.entries(FIELDS).filter(([name]) => c.certificate.extensions[name] !== undefined).map(([name, field]) => [field, c.certificate.extensions[name]]));
    expect(Object.keys(expected).length).toBe(15);
    expect(identity).toEqual({
      subject: c.certificate.san,
      ...expected,
      legacyExtensionsOnly: false,
      notBefore: c.certificate.notBefore,
      notAfter: c.certificate.notAfter,
    });
  });
});

describe('the pre-GA npm certificate (legacy extensions only)', () => {
  const c = provenanceCase('npm-sigstore-0.4.0-pre-ga');

  it('maps the legacy GitHub extensions onto the same fields and says so', () => {
    const identity = certificateIdentity(certificateOf(c));
    expect(identity).toEqual({
      subject: 'https://github.com/sigstore/sigstore-js/.github/workflows/publish.yml@refs/tags/v0.4.0',
      issuer: 'https://token.actions.githubusercontent.com',
      legacyExtensionsOnly: true,
      sourceRepositoryUri: 'https://github.com/sigstore/sigstore-js',
      sourceRepositoryRef: 'refs/tags/v0.4.0',
      sourceRepositoryDigest: '8a2ee2fd20dda58ffa4a8d808a65cb1e04711c03',
      buildTrigger: 'release',
      buildSignerUri: 'https://github.com/sigstore/sigstore-js/.github/workflows/publish.yml@refs/tags/v0.4.0',
      notBefore: c.certificate.notBefore,
      notAfter: c.certificate.notAfter,
    });
  });

  it('what it cannot prove is absent: no runner environment, no Build Config URI', () => {
    const identity = certificateIdentity(certificateOf(c));
    expect(identity.runnerEnvironment).toBeUndefined();
    expect(identity.buildConfigUri).toBeUndefined();
  });
});

it('a certificate without Fulcio extensions (a Fulcio CA of the public-good root) has none of the fields', () => {
  const ca = (PUBLIC_GOOD_TRUSTED_ROOT.certificateAuthorities as Array<{ certChain: { certificates: Array<{ rawBytes: string }> } }>).at(-1)!;
  const identity = certificateIdentity(X509Certificate.parse(Buffer.from(ca.certChain.certificates[0]!.rawBytes, 'base64')));
  // toEqual: a field set to undefined counts as absent.
  expect(identity).toEqual({ subject: '', legacyExtensionsOnly: false, notBefore: expect.any(String), notAfter: expect.any(String) });
});
