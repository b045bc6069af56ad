/**
 * Which Sigstore services one signing call uses: explicit URLs first, then a signing config,
 * then the public-good instance, and the rules that keep the result verifiable.
 * @module
 */
import { UsageError } from '../errors.js';
import { httpPolicy, type HttpPolicy } from './http-policy.js';
import type { ServiceRef } from './service-errors.js';
import type { RekorVersion, SigningOptions } from './sign-options.js';
import { loadSigningConfig, selectServices, type SelectedServices } from './signing-config.js';

/** The public-good Sigstore instance, used when nothing else is configured. */
export const PUBLIC_GOOD_FULCIO_URL = 'https://fulcio.sigstore.dev';
/** The public-good Rekor v1 log. */
export const PUBLIC_GOOD_REKOR_URL = 'https://rekor.sigstore.dev';

/** A transparency log and the API version to speak to it. */
export interface TlogRef extends ServiceRef {
  version: RekorVersion;
}

/** Everything network-related one signing call needs. */
export interface ResolvedServices {
  /** The certificate authority; only for keyless signing. */
  fulcio: ServiceRef | undefined;
  tlogs: TlogRef[];
  tsas: ServiceRef[];
  http: HttpPolicy;
}

/** Resolves the services for a keyless (`keyless: true`) or key-based call. */
export async function resolveServices(options: SigningOptions, keyless: boolean, now = new Date()): Promise<ResolvedServices> {
  const http = httpPolicy(options);
  const version = rekorVersion(options.rekorVersion);
  const config: SelectedServices | undefined =
    options.signingConfig === undefined
      ? undefined
      : selectServices(await loadSigningConfig(options.signingConfig), now, version);

  let fulcio: ServiceRef | undefined;
  if (keyless) {
    const url = options.fulcioUrl ?? config?.caUrl ?? (config ? undefined : PUBLIC_GOOD_FULCIO_URL);
    if (!url) throw new UsageError('INVALID_ARGUMENT', 'the signing config lists no usable Fulcio (caUrls); pass fulcioUrl');
    fulcio = { name: 'Fulcio', url: baseUrl(url, 'fulcioUrl') };
  }

  const wantTlog = options.tlog ?? (keyless || options.rekorUrl !== undefined || options.signingConfig !== undefined);
  let tlogs: TlogRef[] = [];
  if (wantTlog) {
    if (options.rekorUrl !== undefined) {
      tlogs = [{ name: 'Rekor', url: baseUrl(options.rekorUrl, 'rekorUrl'), version: version ?? 1 }];
    } else if (config) {
      if (config.tlogs.length === 0) {
        throw new UsageError('INVALID_ARGUMENT', 'the signing config lists no usable Rekor log (rekorTlogUrls); pass rekorUrl');
      }
      tlogs = config.tlogs.map((t) => ({ name: 'Rekor', url: baseUrl(t.url, 'rekorTlogUrls'), version: t.majorApiVersion }));
    } else if (version === 2) {
      throw new UsageError(
        'INVALID_ARGUMENT',
        'Rekor v2 logs are sharded by year and have no fixed public-good URL: pass rekorUrl or a signingConfig',
      );
    } else {
      tlogs = [{ name: 'Rekor', url: PUBLIC_GOOD_REKOR_URL, version: 1 }];
    }
  }

  const tsaUrls = options.tsaUrl !== undefined ? [options.tsaUrl] : (config?.tsaUrls ?? []);
  const tsas = tsaUrls.map((url) => ({ name: 'timestamp authority', url: baseUrl(url, 'tsaUrl') }));

  if (keyless && tlogs.length === 0 && tsas.length === 0) {
    throw new UsageError(
      'INVALID_ARGUMENT',
      'keyless signing needs a transparency log or a timestamp authority: without either, nothing proves the short-lived certificate was valid when it signed',
    );
  }
  if (keyless && tsas.length === 0 && tlogs.some((t) => t.version === 2)) {
    throw new UsageError(
      'INVALID_ARGUMENT',
      'Rekor v2 entries carry no signed time, so keyless signing with Rekor v2 needs a timestamp authority (tsaUrl)',
    );
  }
  if (!keyless && tlogs.some((t) => t.version === 2)) {
    throw new UsageError(
      'INVALID_ARGUMENT',
      'key-based signing writes to Rekor v1 only: the Rekor v2 client cannot yet describe a bare public key',
    );
  }
  return { fulcio, tlogs, tsas, http };
}

function rekorVersion(value: unknown): RekorVersion | undefined {
  if (value === undefined) return undefined;
  if (value === 1 || value === 2) return value;
  throw new UsageError('INVALID_ARGUMENT', `rekorVersion must be 1 or 2, not ${String(value)}`);
}

/** Validates an http(s) URL and drops a trailing slash (clients append API paths to it). */
function baseUrl(value: string, option: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError('INVALID_ARGUMENT', `${option} is not a URL: ${value}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError('INVALID_ARGUMENT', `${option} must be an http(s) URL: ${value}`);
  }
  return value.replace(/\/+$/, '');
}
