/**
 * Where registry credentials come from: what the caller gives, else the Docker config
 * (`auths`, `credHelpers`, `credsStore`), the same file and helper programs container tools use.
 * @module
 */

/** A user name and password (or token used as one), or an identity token for the token flow. */
export interface Credentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token the registry's token endpoint exchanges for access tokens. */
  identityToken?: string;
}

/**
 * Credentials per registry host (`host[:port]`, as in an {@link ImageReference}), or a function
 * returning those of a registry (`undefined`: none, the Docker config is asked next).
 */
export type CredentialSource =
  | Readonly<Record<string, Credentials>>
  | ((registry: string) => Credentials | undefined | Promise<Credentials | undefined>);
