/**
 * An oracle independent of Node's and Sigstore's code: the `openssl` command line checks
 * signatures itself, over a file it hashes (`openssl dgst`) or over a bare digest
 * (`openssl pkeyutl`). ECDSA signatures are DER, RSA ones PKCS#1 v1.5.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Hashes the oracle checks signatures with; `null` is a pure (whole-message) Ed25519 signature. */
export type OpensslHash = 'sha256' | 'sha384' | 'sha512' | null;

/**
 * True when `openssl dgst -<hash> -verify pub.pem -signature sig file` accepts (default
 * SHA-256); with `hash: null`, when `openssl pkeyutl -verify -rawin` accepts an Ed25519
 * signature of the whole file.
 */
export function opensslVerifies(
  publicKeyPem: string,
  signature: string | Uint8Array,
  file: string,
  hash: OpensslHash = 'sha256',
): boolean {
  return withFiles(publicKeyPem, signature, (pub, sig) => {
    if (hash === null) {
      openssl(['pkeyutl', '-verify', '-pubin', '-inkey', pub, '-rawin', '-in', file, '-sigfile', sig]);
    } else {
      openssl(['dgst', `-${hash}`, '-verify', pub, '-signature', sig, file]);
    }
  });
}

/**
 * True when `openssl pkeyutl -verify -pkeyopt digest:<hash>` accepts `signature` over the bare
 * `digest`. `keyPem` is an SPKI public key or a certificate.
 */
export function opensslVerifiesDigest(
  keyPem: string,
  hash: Exclude<OpensslHash, null>,
  digest: Uint8Array,
  signature: string | Uint8Array,
): boolean {
  return withFiles(keyPem, signature, (key, sig, dir) => {
    const input = join(dir, 'digest.bin');
    writeFileSync(input, digest);
    const keyArgs = keyPem.includes('BEGIN CERTIFICATE') ? ['-certin', '-inkey', key] : ['-pubin', '-inkey', key];
    openssl(['pkeyutl', '-verify', ...keyArgs, '-in', input, '-sigfile', sig, '-pkeyopt', `digest:${hash}`]);
  });
}

function withFiles(keyPem: string, signature: string | Uint8Array, check: (key: string, sig: string, dir: string) => void): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'sealkit-openssl-'));
  try {
    writeFileSync(join(dir, 'key.pem'), keyPem);
    writeFileSync(join(dir, 'sig.bin'), typeof signature === 'string' ? Buffer.from(signature, 'base64') : signature);
    check(join(dir, 'key.pem'), join(dir, 'sig.bin'), dir);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}
