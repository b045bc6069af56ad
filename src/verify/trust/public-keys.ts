/**
 * Public keys trusted for key-signed bundles: the caller's own keys (air-gapped signing), and
 * the npm registry's keys, which are trusted for npm publish attestations only. Each key knows
 * the ids a bundle may name it by and, for registry keys, when it was valid.
 * @module
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { TrustMaterial } from '@sigstore/verify';
import { UsageError, VerificationError } from '../../errors.js';
import { NPM_REGISTRY_KEYS } from './embedded.js';

/** A key with the dates it may have signed at, as `@sigstore/verify` looks keys up. */
export type TimeConstrainedKey = ReturnType<TrustMaterial['publicKey']>;

/**
 * A public key: SPKI PEM text (or its bytes), a Node `KeyObject`, or one of those with an id
 * and a validity period.
 */
export type PublicKeyInput =
  | string
  | Uint8Array
  | KeyObject
  | { key: string | Uint8Array | KeyObject; keyId?: string; validFrom?: Date | string; validUntil?: Date | string };

/** A trusted key, ready for `@sigstore/verify`. */
export interface TrustedKey {
  /** The ids a bundle's `publicKey.hint` may give: sealkit's and cosign's key hints, and any id given. */
  ids: ReadonlySet<string>;
  /** The first id, for messages. */
  label: string;
  timeConstrained: TimeConstrainedKey;
  /** True when the key is trusted only within a period: a signature then needs a proven signing time. */
  timeLimited: boolean;
}

/** Usage of the npm registry keys that sign publish attestations. */
const NPM_ATTESTATION_USAGE = 'npm:attestations';

/** Parses the caller's keys; throws `KEY_INVALID` naming the key that cannot be read. */
export function loadPublicKeys(inputs: readonly PublicKeyInput[]): TrustedKey[] {
  if (!Array.isArray(inputs)) throw new UsageError('INVALID_ARGUMENT', 'publicKeys must be a list of keys');
  return inputs.map((input, index) => {
    const entry = typeof input === 'object' && input !== null && 'key' in input && !isKeyObject(input) ? input : { key: input };
    const key = toPublicKey(entry.key, index);
    const hints = keyHints(key);
    const ids = new Set([...(entry.keyId ? [entry.keyId] : []), ...hints]);
    const validFrom = toDate(entry.validFrom, `publicKeys[${index}].validFrom`);
    const validUntil = toDate(entry.validUntil, `publicKeys[${index}].validUntil`);
    return {
      ids,
      label: entry.keyId ?? hints[0]!,
      timeConstrained: timeConstrained(key, validFrom, validUntil),
      timeLimited: validFrom !== undefined || validUntil !== undefined,
    };
  });
}

let npmKeys: TrustedKey[] | undefined;

/** The npm registry's attestation keys, from the embedded keys document; each valid only in its period. */
export function npmRegistryKeys(): TrustedKey[] {
  npmKeys ??= parseNpmKeys(NPM_REGISTRY_KEYS);
  return npmKeys;
}

function parseNpmKeys(document: { keys: unknown[] }): TrustedKey[] {
  const keys: TrustedKey[] = [];
  for (const entry of document.keys as Array<Record<string, unknown>>) {
    if (entry.keyUsage !== NPM_ATTESTATION_USAGE) continue;
    const publicKey = entry.publicKey as { rawBytes: string; validFor?: { start?: string; end?: string } };
    const key = createPublicKey({ key: Buffer.from(publicKey.rawBytes, 'base64'), format: 'der', type: 'spki' });
    const keyId = String(entry.keyId);
    keys.push({
      timeLimited: true,
      ids: new Set([keyId]),
      label: keyId,
      timeConstrained: timeConstrained(key, toDate(publicKey.validFor?.start, 'npm key'), toDate(publicKey.validFor?.end, 'npm key')),
    });
  }
  return keys;
}

/**
 * The keys to try for a bundle's hint: those the hint names, else every key (a bundle signed
 * by a key may carry no hint, or another tool's hint format, as cosign's does).
 */
export function keysForHint(keys: readonly TrustedKey[], hint: string, strictHint = false): TrustedKey[] {
  const named = keys.filter((k) => k.ids.has(hint));
  return named.length > 0 || strictHint ? named : [...keys];
}

/** sealkit's key hint (hex SHA-256 of the DER key) and cosign's and Rekor's (base64 of the same). */
function keyHints(key: KeyObject): string[] {
  const digest = createHash('sha256').update(key.export({ format: 'der', type: 'spki' })).digest();
  return [digest.toString('hex'), digest.toString('base64')];
}

function timeConstrained(publicKey: KeyObject, validFrom: Date | undefined, validUntil: Date | undefined): TimeConstrainedKey {
  return {
    publicKey,
    validFor: (date: Date) =>
      (validFrom === undefined || date.getTime() >= validFrom.getTime()) &&
      (validUntil === undefined || date.getTime() <= validUntil.getTime()),
  };
}

function toPublicKey(input: string | Uint8Array | KeyObject, index: number): KeyObject {
  try {
    if (isKeyObject(input)) {
      if (input.type === 'private') throw new VerificationError('KEY_INVALID', `publicKeys[${index}] is a private key: give its public half`);
      return input.type === 'public' ? input : createPublicKey(input);
    }
    const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
    if (text.includes('PRIVATE KEY')) {
      throw new VerificationError('KEY_INVALID', `publicKeys[${index}] is a private key: give its public half`);
    }
    return createPublicKey(text);
  } catch (error) {
    if (error instanceof VerificationError) throw error;
    throw new VerificationError('KEY_INVALID', `publicKeys[${index}] is not a PEM public key: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function isKeyObject(value: unknown): value is KeyObject {
  return typeof value === 'object' && value !== null && typeof (value as KeyObject).export === 'function' && 'asymmetricKeyType' in value;
}

function toDate(value: Date | string | undefined, what: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new UsageError('INVALID_ARGUMENT', `${what} is not a date`);
  return date;
}
