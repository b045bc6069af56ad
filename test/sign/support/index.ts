/**
 * Test support for anything that signs or verifies with Sigstore:
 *
 * - {@link startSigstoreStack}: Fulcio, Rekor (v1 + v2) and a TSA from `@sigstore/mock`
 *   behind real HTTP servers on 127.0.0.1, with their `trusted_root.json`;
 * - {@link mintIdentityToken}: signed test OIDC tokens with any claims;
 * - {@link verifyBundle} / {@link parseV03Bundle}: the `@sigstore/verify` and
 *   `@sigstore/bundle` oracles;
 * - {@link opensslVerifies}, {@link opensslVerifiesDigest}: the `openssl` oracles for ECDSA,
 *   RSA and Ed25519 signatures over files and digests;
 * - {@link startFailingServer}, {@link startHangingServer}, {@link unusedUrl}: broken services.
 *
 * Every server has a `close()`; call it in `afterAll`.
 * @module
 */
export * from './faulty-servers.js';
export * from './handler-server.js';
export * from './identity-token.js';
export * from './openssl.js';
export * from './rekor-checks.js';
export * from './rekor-dsse.js';
export * from './sigstore-stack.js';
export * from './trusted-root.js';
export * from './verify-bundle.js';
export * from './keyless-options.js';
