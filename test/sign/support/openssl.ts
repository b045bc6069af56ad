/**
 * An oracle independent of Node's and Sigstore's code: the `openssl` command line hashes a
 * file itself and checks an ECDSA (DER) or RSA PKCS#1 v1.5 signature over it with SHA-256.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** True when `openssl dgst -sha256 -verify pub.pem -signature sig.der file` accepts. */
export function opensslVerifies(publicKeyPem: string, signature: string | Uint8Array, file: string): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'sealkit-openssl-'));
  try {
    writeFileSync(join(dir, 'pub.pem'), publicKeyPem);
    writeFileSync(join(dir, 'sig.der'), typeof signature === 'string' ? Buffer.from(signature, 'base64') : signature);
    execFileSync('openssl', ['dgst', '-sha256', '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig.der'), file], {
      stdio: 'pipe',
    });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
