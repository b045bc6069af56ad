/**
 * Who a Fulcio certificate says signed: its subject (SAN), the OIDC issuer, and the CI claims
 * Fulcio copies into extensions (source repository, ref, commit, build signer, runner…).
 * Certificates from before the current extensions carry only the older GitHub ones; those are
 * mapped onto the same fields and marked, so checks can tell what a certificate cannot prove.
 * @module
 */
import { ASN1Obj, type X509Certificate } from '@sigstore/core';

/** What a Fulcio certificate states about its signer. Absent fields were not in the certificate. */
export interface CertificateIdentity {
  /** The subject alternative name: a workflow URI, an email, a SPIFFE id… */
  subject: string;
  issuer?: string;
  buildSignerUri?: string;
  buildSignerDigest?: string;
  runnerEnvironment?: string;
  sourceRepositoryUri?: string;
  sourceRepositoryDigest?: string;
  sourceRepositoryRef?: string;
  sourceRepositoryIdentifier?: string;
  sourceRepositoryOwnerUri?: string;
  sourceRepositoryOwnerIdentifier?: string;
  buildConfigUri?: string;
  buildConfigDigest?: string;
  buildTrigger?: string;
  runInvocationUri?: string;
  sourceRepositoryVisibility?: string;
  /** True when the certificate has only the older GitHub extensions (before Fulcio's 2023 set). */
  legacyExtensionsOnly: boolean;
  notBefore: string;
  notAfter: string;
}

const FULCIO = '1.3.6.1.4.1.57264.1.';
/** Extensions holding a DER UTF8String, by OID suffix. */
const UTF8_EXTENSIONS: Record<string, keyof CertificateIdentity> = {
  '8': 'issuer',
  '9': 'buildSignerUri',
  '10': 'buildSignerDigest',
  '11': 'runnerEnvironment',
  '12': 'sourceRepositoryUri',
  '13': 'sourceRepositoryDigest',
  '14': 'sourceRepositoryRef',
  '15': 'sourceRepositoryIdentifier',
  '16': 'sourceRepositoryOwnerUri',
  '17': 'sourceRepositoryOwnerIdentifier',
  '18': 'buildConfigUri',
  '19': 'buildConfigDigest',
  '20': 'buildTrigger',
  '21': 'runInvocationUri',
  '22': 'sourceRepositoryVisibility',
};
const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

/** Reads the identity of `certificate`. */
export function certificateIdentity(certificate: X509Certificate): CertificateIdentity {
  const identity: CertificateIdentity = {
    subject: subjectOf(certificate),
    legacyExtensionsOnly: false,
    notBefore: certificate.notBefore.toISOString(),
    notAfter: certificate.notAfter.toISOString(),
  };
  const record = identity as unknown as Record<string, unknown>;
  for (const [suffix, field] of Object.entries(UTF8_EXTENSIONS)) {
    const value = utf8Extension(certificate, FULCIO + suffix);
    if (value !== undefined) record[field] = value;
  }
  // Before the 2023 extensions, Fulcio wrote raw strings under 1.1 (issuer) and 1.2–1.6 (GitHub).
  identity.issuer ??= rawExtension(certificate, `${FULCIO}1`);
  if (identity.sourceRepositoryUri === undefined && identity.issuer === GITHUB_ISSUER) {
    const repository = rawExtension(certificate, `${FULCIO}5`);
    if (repository !== undefined) {
      identity.legacyExtensionsOnly = true;
      identity.sourceRepositoryUri = `https://github.com/${repository}`;
      identity.sourceRepositoryRef = rawExtension(certificate, `${FULCIO}6`);
      identity.sourceRepositoryDigest = rawExtension(certificate, `${FULCIO}3`);
      identity.buildTrigger = rawExtension(certificate, `${FULCIO}2`);
      // The SAN of a GitHub workflow certificate is the workflow that ran: the build signer.
      if (identity.subject.startsWith('https://github.com/')) identity.buildSignerUri = identity.subject;
    }
  }
  return identity;
}

function subjectOf(certificate: X509Certificate): string {
  const san = certificate.extSubjectAltName;
  return san?.uri ?? san?.rfc822Name ?? san?.otherName(`${FULCIO}7`) ?? '';
}

function utf8Extension(certificate: X509Certificate, oid: string): string | undefined {
  const extension = certificate.extension(oid);
  if (!extension) return undefined;
  try {
    const value = ASN1Obj.parseBuffer(Buffer.from(extension.value));
    return value.value.toString('utf8');
  } catch {
    return undefined; // an unreadable extension proves nothing; the checks that need it fail
  }
}

function rawExtension(certificate: X509Certificate, oid: string): string | undefined {
  return certificate.extension(oid)?.value.toString('utf8');
}
