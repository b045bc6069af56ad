/**
 * The one place verification may use the network, and only when asked: a TUF update of the
 * Sigstore trusted root through `@sigstore/tuf`, which checks the repository's signed metadata
 * (threshold signatures, versions, expiry) before handing the root over.
 * @module
 */
import { VerificationError } from '../../errors.js';

/** Options of an online trusted-root refresh. */
export interface TufRefreshOptions {
  /** TUF repository. Default: the Sigstore public-good repository. */
  mirrorUrl?: string;
  /** Where TUF metadata is cached between runs. Default: `@sigstore/tuf`'s own cache folder. */
  cachePath?: string;
  /** A `root.json` to start from, for a private TUF repository. */
  rootPath?: string;
}

/**
 * Fetches the current trusted root from a TUF repository (JSON form, ready for `trustedRoot`).
 * @throws {SealkitError} `TRUST_ROOT_INVALID` when the update fails; verification never falls
 *   back to older material silently.
 */
export async function fetchTrustedRoot(options: TufRefreshOptions = {}): Promise<Record<string, unknown>> {
  // Loaded on use: verification offline never pays for the TUF client and its HTTP stack.
  const [{ getTrustedRoot }, { TrustedRoot }] = await Promise.all([import('@sigstore/tuf'), import('@sigstore/protobuf-specs')]);
  try {
    const root = await getTrustedRoot({
      ...(options.mirrorUrl ? { mirrorURL: options.mirrorUrl } : {}),
      ...(options.cachePath ? { cachePath: options.cachePath } : {}),
      ...(options.rootPath ? { rootPath: options.rootPath } : {}),
    });
    return TrustedRoot.toJSON(root) as Record<string, unknown>;
  } catch (error) {
    throw new VerificationError(
      'TRUST_ROOT_INVALID',
      `cannot refresh the trusted root from ${options.mirrorUrl ?? 'the Sigstore TUF repository'}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
