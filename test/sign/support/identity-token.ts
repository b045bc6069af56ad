/**
 * Test OIDC identity tokens: real ES256-signed JWTs from a throwaway issuer key. Fulcio
 * checks the signature against the issuer's keys; the `@sigstore/mock` CA only decodes the
 * claims (it certifies `sub` and records `iss`), so any issuer name works with it.
 * @module
 */
import { generateKeyPairSync, sign } from 'node:crypto';

/** Issuer and subject of the default test identity. */
export const TEST_ISSUER = 'https://token.actions.example.test';
export const TEST_SUBJECT = 'https://github.com/acme/widget/.github/workflows/release.yml@refs/heads/main';

const issuerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

/** Options of {@link mintIdentityToken}. */
export interface MintOptions {
  /** Seconds from now until expiry; negative for an expired token. Default 300. */
  expiresIn?: number;
  audience?: string | string[];
  issuer?: string;
  subject?: string;
  /** Extra or overriding claims. */
  claims?: Record<string, unknown>;
}

/** Mints a signed JWT with the given identity. */
export function mintIdentityToken(options: MintOptions = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'ES256', typ: 'JWT', kid: 'test' };
  const claims = {
    iss: options.issuer ?? TEST_ISSUER,
    sub: options.subject ?? TEST_SUBJECT,
    aud: options.audience ?? 'sigstore',
    iat: now,
    nbf: now,
    exp: now + (options.expiresIn ?? 300),
    ...options.claims,
  };
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(signingInput), { key: issuerKey, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${signature.toString('base64url')}`;
}

function b64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
