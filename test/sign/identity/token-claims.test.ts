import { describe, expect, it } from 'vitest';
import { checkIdentityToken } from '../../../src/sign/identity/token-claims.js';
import { TEST_ISSUER, TEST_SUBJECT, mintIdentityToken } from '../support/index.js';

describe('checkIdentityToken', () => {
  it('reads issuer, subject, audience and expiry', () => {
    const claims = checkIdentityToken(mintIdentityToken({ audience: ['other', 'sigstore'] }), 'sigstore', 'test');
    expect(claims).toMatchObject({ issuer: TEST_ISSUER, subject: TEST_SUBJECT, audience: ['other', 'sigstore'] });
    expect(claims.expiresAt).toBeGreaterThan(Date.now() / 1000);
  });

  it('prefers a verified email, as Fulcio does, and refuses an unverified one', () => {
    const verified = mintIdentityToken({ claims: { email: 'dev@example.test', email_verified: true } });
    expect(checkIdentityToken(verified, 'sigstore', 'test').subject).toBe('dev@example.test');
    const unverified = mintIdentityToken({ claims: { email: 'dev@example.test', email_verified: false } });
    expect(() => checkIdentityToken(unverified, 'sigstore', 'test')).toThrow(expect.objectContaining({ code: 'IDENTITY_TOKEN_INVALID' }));
  });

  it('rejects expired tokens and wrong audiences with their own codes', () => {
    expect(() => checkIdentityToken(mintIdentityToken({ expiresIn: -1 }), 'sigstore', 'SIGSTORE_ID_TOKEN')).toThrow(
      expect.objectContaining({ code: 'IDENTITY_TOKEN_EXPIRED', message: expect.stringContaining('SIGSTORE_ID_TOKEN') }),
    );
    expect(() => checkIdentityToken(mintIdentityToken({ audience: 'api://AzureADTokenExchange' }), 'sigstore', 't')).toThrow(
      expect.objectContaining({ code: 'IDENTITY_TOKEN_AUDIENCE', message: expect.stringContaining('api://AzureADTokenExchange') }),
    );
    expect(checkIdentityToken(mintIdentityToken({ audience: 'custom' }), 'custom', 't').audience).toEqual(['custom']);
  });

  it('rejects what is not a usable JWT, without quoting the token', () => {
    const cases = [
      'not-a-jwt',
      'a.b.c',
      `x.${Buffer.from('[1]').toString('base64url')}.y`,
      mintIdentityToken({ claims: { exp: undefined } }),
      mintIdentityToken({ claims: { iss: undefined } }),
      mintIdentityToken({ claims: { sub: undefined } }),
      mintIdentityToken({ claims: { nbf: Math.floor(Date.now() / 1000) + 3600 } }),
    ];
    for (const token of cases) {
      let error: unknown;
      try {
        checkIdentityToken(token, 'sigstore', 'test');
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'IDENTITY_TOKEN_INVALID' });
      expect((error as Error).message).not.toContain(token);
    }
  });
});
