/**
 * Registry authentication: anonymous, basic, and the bearer-token flow (a 401 with
 * `WWW-Authenticate: Bearer realm=…,service=…,scope=…`, then a token from the realm, asked for the
 * scopes the request needs). Tokens are cached per registry and scope set until they expire.
 * @module
 */
import type { CredentialLookup, Credentials } from './credentials.js';
import { RegistryError } from './errors.js';
import { readBounded } from './content.js';
import type { Transport } from './transport.js';

/** A parsed `WWW-Authenticate` challenge. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

interface CachedToken {
  value: string;
  expires: number;
}

const TOKEN_MAX_BYTES = 1 << 20;
// Tokens without `expires_in` last 60 s, as the token spec says; renew a little before.
const DEFAULT_TOKEN_SECONDS = 60;
const RENEW_MARGIN_MS = 10_000;

/** Parses the first challenge of a `WWW-Authenticate` header. */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (header === null) return undefined;
  const match = /^\s*([A-Za-z][\w-]*)\s*(.*)$/s.exec(header);
  if (match === null) return undefined;
  const params: Record<string, string> = {};
  const pattern = /([A-Za-z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?\s*/gy;
  const rest = match[2] ?? '';
  let param: RegExpExecArray | null;
  while ((param = pattern.exec(rest)) !== null && param[0] !== '') {
    params[(param[1] as string).toLowerCase()] = param[2] !== undefined ? param[2].replace(/\\(.)/g, '$1') : (param[3] ?? '');
  }
  return { scheme: (match[1] as string).toLowerCase(), params };
}

/** The scope string of a repository action set: `repository:<name>:pull,push`. */
export function repositoryScope(repository: string, actions: 'pull' | 'pull,push'): string {
  return `repository:${repository}:${actions}`;
}

/** Keeps what each registry asked for and the tokens it gave. */
export class Authenticator {
  private readonly challenges = new Map<string, Challenge>();
  private readonly tokens = new Map<string, CachedToken>();

  /**
   * @param credentials every registry's credentials (given, else the Docker config)
   * @param given only those given by the caller: sent before the registry asks for them
   */
  constructor(
    private readonly credentials: CredentialLookup,
    private readonly transport: Transport,
    private readonly given: CredentialLookup = async () => undefined,
  ) {}

  /** The `Authorization` value to send to `registry` for `scopes`, when one is known yet. */
  async authorization(registry: string, scopes: readonly string[]): Promise<string | undefined> {
    const challenge = this.challenges.get(registry);
    // A user name and password given for this registry go with its first requests: one that
    // asks for basic auth would otherwise answer each request sent before its first 401 with a
    // 401, a round trip each. One that asks for a token answers with its challenge as it would
    // have. Credentials from the Docker config wait for a challenge, so that no helper program
    // runs for a registry that needs none.
    if (challenge === undefined) return basic(await this.given(registry));
    if (challenge.scheme === 'basic') return basic(await this.credentials(registry));
    const token = this.tokens.get(tokenKey(registry, scopes));
    if (token !== undefined && token.expires > Date.now()) return `Bearer ${token.value}`;
    return this.fetchToken(registry, challenge, scopes, '');
  }

  /**
   * Learns from a 401 how `registry` authenticates and returns the `Authorization` to retry
   * with. Throws `REGISTRY_UNAUTHORIZED` when there is nothing new to try.
   */
  async answer(registry: string, header: string | null, scopes: readonly string[], reference: string): Promise<string> {
    const challenge = parseChallenge(header);
    const credentials = await this.credentials(registry);
    if (challenge?.scheme === 'basic') {
      this.challenges.set(registry, challenge);
      const value = basic(credentials);
      if (value === undefined) throw unauthorized(registry, reference, 'it asks for credentials and none were given');
      return value;
    }
    if (challenge?.scheme === 'bearer' && challenge.params.realm) {
      this.challenges.set(registry, challenge);
      this.tokens.delete(tokenKey(registry, scopes));
      return this.fetchToken(registry, challenge, scopes, reference);
    }
    throw unauthorized(registry, reference, 'it answered 401 without a challenge sealkit understands');
  }

  private async fetchToken(registry: string, challenge: Challenge, scopes: readonly string[], reference: string): Promise<string> {
    const realm = challenge.params.realm as string;
    const credentials = await this.credentials(registry);
    const wanted = [...new Set([...scopes, ...(challenge.params.scope ? challenge.params.scope.split(' ') : [])])].filter(Boolean);
    const context = { registry, reference: reference || registry };
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new RegistryError('REGISTRY_PROTOCOL', `${registry} named an invalid token realm`, { details: { ...context } });
    }
    const service = challenge.params.service;
    let response;
    if (credentials?.identityToken !== undefined) {
      // OAuth2 refresh-token grant, as for identity tokens from `docker login`.
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.identityToken, client_id: 'sealkit' });
      if (service) form.set('service', service);
      if (wanted.length > 0) form.set('scope', wanted.join(' '));
      response = await this.transport.send({
        method: 'POST',
        url: url.href,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: Buffer.from(form.toString()),
        retry: true,
        context,
      });
    } else {
      if (service) url.searchParams.set('service', service);
      for (const scope of wanted) url.searchParams.append('scope', scope);
      const authorization = basic(credentials);
      response = await this.transport.send({
        method: 'GET',
        url: url.href,
        ...(authorization === undefined ? {} : { authorization }),
        context,
      });
    }
    if (response.status === 401 || response.status === 403) {
      await response.discard();
      throw unauthorized(registry, context.reference, `its token service (${url.host}) refused ${credentials ? 'the credentials' : 'anonymous access'} (${response.status})`);
    }
    if (response.status !== 200) {
      await response.discard();
      throw new RegistryError('REGISTRY_PROTOCOL', `the token service of ${registry} (${url.host}) answered ${response.status}`, {
        details: { ...context, status: response.status },
      });
    }
    const bytes = await readBounded(response, TOKEN_MAX_BYTES, () =>
      new RegistryError('REGISTRY_PROTOCOL', `the token service of ${registry} answered more than 1 MiB`, { details: { ...context } }),
    );
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(bytes.toString('utf8')) as typeof body;
    } catch {
      body = {};
    }
    const token = typeof body.token === 'string' && body.token !== '' ? body.token : body.access_token;
    if (typeof token !== 'string' || token === '') {
      throw new RegistryError('REGISTRY_PROTOCOL', `the token service of ${registry} (${url.host}) gave no token`, { details: { ...context } });
    }
    const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_SECONDS;
    this.tokens.set(tokenKey(registry, scopes), { value: token, expires: Date.now() + seconds * 1000 - RENEW_MARGIN_MS });
    return `Bearer ${token}`;
  }
}

function basic(credentials: Credentials | undefined): string | undefined {
  if (credentials?.username === undefined || credentials.password === undefined) return undefined;
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

function tokenKey(registry: string, scopes: readonly string[]): string {
  return `${registry} ${[...scopes].sort().join(' ')}`;
}

/** `REGISTRY_UNAUTHORIZED` for `reference` at `registry`. */
export function unauthorized(registry: string, reference: string, why: string): RegistryError {
  return new RegistryError('REGISTRY_UNAUTHORIZED', `${registry} refused access to ${reference}: ${why}`, {
    details: { registry, reference, status: 401 },
  });
}
