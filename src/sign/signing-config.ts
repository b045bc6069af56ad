/**
 * Sigstore `signing_config.json` (v0.2): how an instance tells clients which Fulcio, Rekor and
 * timestamp authority to use. Selection follows the specification: supported API versions
 * only, within their validity window, newest first, one per operator when several are wanted.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { ServiceSelector, SigningConfig, type Service, type ServiceConfiguration } from '@sigstore/protobuf-specs';
import { SigningError } from '../errors.js';

/** A signing config: the path of a `signing_config.json`, or its parsed JSON. */
export type SigningConfigInput = string | Record<string, unknown>;

/** The media type sealkit reads. */
export const SIGNING_CONFIG_MEDIA_TYPE = 'application/vnd.dev.sigstore.signingconfig.v0.2+json';

/** A transparency log picked from a signing config. */
export interface TlogService {
  url: string;
  majorApiVersion: 1 | 2;
}

/** The services a signing config selects. */
export interface SelectedServices {
  caUrl: string | undefined;
  tlogs: TlogService[];
  tsaUrls: string[];
}

const SUPPORTED_CA_VERSIONS = [1];
const SUPPORTED_TLOG_VERSIONS = [1, 2];
const SUPPORTED_TSA_VERSIONS = [1];

/** Reads and parses a signing config; any problem is a `SIGNING_CONFIG_INVALID` error. */
export async function loadSigningConfig(input: SigningConfigInput): Promise<SigningConfig> {
  let json: unknown = input;
  const source = typeof input === 'string' ? input : undefined;
  if (typeof input === 'string') {
    let text: string;
    try {
      text = await readFile(input, 'utf8');
    } catch (error) {
      throw invalid(source, `cannot read it: ${(error as Error).message}`, error);
    }
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw invalid(source, `not JSON: ${(error as Error).message}`, error);
    }
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalid(source, 'not a JSON object');
  const mediaType = (json as { mediaType?: unknown }).mediaType;
  if (mediaType !== SIGNING_CONFIG_MEDIA_TYPE) {
    throw invalid(source, `mediaType is ${JSON.stringify(mediaType)}; sealkit reads ${SIGNING_CONFIG_MEDIA_TYPE}`);
  }
  try {
    return SigningConfig.fromJSON(json);
  } catch (error) {
    throw invalid(source, (error as Error).message, error);
  }
}

/**
 * Picks the services to use at `now`. `rekorVersion` restricts the logs to that API version;
 * otherwise the highest version the config offers is used (clients must not mix versions).
 */
export function selectServices(config: SigningConfig, now = new Date(), rekorVersion?: 1 | 2): SelectedServices {
  const ca = usable(config.caUrls, SUPPORTED_CA_VERSIONS, now)[0];

  let logs = usable(config.rekorTlogUrls, SUPPORTED_TLOG_VERSIONS, now);
  const logVersion = rekorVersion ?? Math.max(0, ...logs.map((s) => s.majorApiVersion));
  logs = logs.filter((s) => s.majorApiVersion === logVersion);
  const tlogs = choose(logs, config.rekorTlogConfig, 'transparency logs').map((s) => ({
    url: s.url,
    majorApiVersion: s.majorApiVersion as 1 | 2,
  }));

  const tsas = choose(usable(config.tsaUrls, SUPPORTED_TSA_VERSIONS, now), config.tsaConfig, 'timestamp authorities');
  return { caUrl: ca?.url, tlogs, tsaUrls: tsas.map((s) => s.url) };
}

function usable(services: Service[], versions: number[], now: Date): Service[] {
  return services
    .filter((s) => s.url && versions.includes(s.majorApiVersion))
    .filter((s) => (!s.validFor?.start || s.validFor.start <= now) && (!s.validFor?.end || s.validFor.end >= now))
    .sort((a, b) => (b.validFor?.start?.getTime() ?? 0) - (a.validFor?.start?.getTime() ?? 0));
}

function choose(services: Service[], config: ServiceConfiguration | undefined, what: string): Service[] {
  if (services.length === 0) return [];
  // Several services must come from distinct operators: keep the newest of each.
  const byOperator = new Map<string, Service>();
  for (const service of services) {
    const operator = service.operator || service.url;
    if (!byOperator.has(operator)) byOperator.set(operator, service);
  }
  const distinct = [...byOperator.values()];
  switch (config?.selector ?? ServiceSelector.ANY) {
    case ServiceSelector.ALL:
      return distinct;
    case ServiceSelector.EXACT: {
      const count = config?.count ?? 0;
      if (count < 1 || count > distinct.length) {
        throw invalid(
          undefined,
          `it asks for exactly ${count} ${what} but ${distinct.length} usable one(s) from distinct operators are listed`,
        );
      }
      return distinct.slice(0, count);
    }
    default:
      return distinct.slice(0, 1);
  }
}

function invalid(source: string | undefined, reason: string, cause?: unknown): SigningError {
  const where = source === undefined ? '' : ` ${source}`;
  return new SigningError('SIGNING_CONFIG_INVALID', `invalid signing config${where}: ${reason}`, {
    cause,
    details: source === undefined ? {} : { path: source },
  });
}
