/**
 * `sealkit sign <file> --bundle <out>` (or `--digest sha256:<hex>` for an artifact hashed
 * elsewhere, or `registry:REF` for an image signed in place): signs into a Sigstore bundle.
 * Also exports the flags every signing command shares and their translation into
 * {@link SigningOptions}.
 * @module
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SigningError, UsageError } from '../../errors.js';
import type { RegistryAttachment } from '../../registry/subject.js';
import { isRegistrySubject } from '../../registry/subject.js';
import type { ArtifactInput, SignResult, SigningOptions } from '../../sign/index.js';
import { parseCommandArgs, type CliIO, type Command } from '../command.js';
import { REGISTRY_FLAGS, REGISTRY_HELP, registryClientOptions } from '../registry-options.js';

/** The variable holding the passphrase of an encrypted `--key`. */
export const KEY_PASSPHRASE_VARIABLE = 'SEALKIT_KEY_PASSPHRASE';

/** Flags shared by `sign` and `attest-sbom`. */
export const SIGNING_FLAGS = {
  bundle: { type: 'string' },
  key: { type: 'string' },
  'identity-token': { type: 'string' },
  audience: { type: 'string' },
  'fulcio-url': { type: 'string' },
  'rekor-url': { type: 'string' },
  'rekor-version': { type: 'string' },
  'tsa-url': { type: 'string' },
  'signing-config': { type: 'string' },
  timeout: { type: 'string' },
  retries: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Help lines of {@link SIGNING_FLAGS}. */
export const SIGNING_FLAGS_HELP = `Signing (keyless unless --key is given):
  --key <key.pem>            sign with this private key (PKCS#8/SEC1/PKCS#1 PEM: ECDSA P-256/P-384,
                             RSA; Ed25519 for attestations). Encrypted keys read their passphrase
                             from $${KEY_PASSPHRASE_VARIABLE}. Offline unless --rekor-url/--tsa-url.
  --identity-token <T>       OIDC token, or a file holding it. Default: $SIGSTORE_ID_TOKEN, then
                             GitHub Actions, Buildkite, GitLab CI (id_tokens: SIGSTORE_ID_TOKEN)
  --audience <aud>           audience the token must carry (default: sigstore)

Services (default: the public-good Sigstore instance):
  --fulcio-url <U>           Fulcio (certificate authority) base URL
  --rekor-url <U>            Rekor transparency log base URL
  --rekor-version <1|2>      Rekor API version (default 1; 2 needs --tsa-url for keyless)
  --tsa-url <U>              RFC 3161 timestamp authority URL
  --signing-config <F>       a Sigstore signing_config.json naming all of the above
  --timeout <seconds>        time allowed per request attempt (default 15)
  --retries <n>              retries of a failed request, with back-off (default 2)`;

/** Flags of commands that sign an image in a registry: where it is, and whether to attach. */
export const REGISTRY_SIGNING_FLAGS = { ...REGISTRY_FLAGS, 'no-upload': { type: 'boolean' } } as const;

/** Help lines of {@link REGISTRY_SIGNING_FLAGS}. */
export const REGISTRY_SIGNING_HELP = `Images in a registry (registry:host/repo[:tag][@sha256:<hex>]):
  The reference is resolved to the manifest digest it names (an index stays an index),
  that digest is signed and printed, and the bundle is attached to the image as an OCI 1.1
  referrer; --bundle is then optional.
  --no-upload                write the bundle to --bundle only; attach nothing
${REGISTRY_HELP}`;

/** Flags of `sealkit sign`: the shared ones and the digest of an artifact hashed elsewhere. */
const SIGN_FLAGS = { ...SIGNING_FLAGS, ...REGISTRY_SIGNING_FLAGS, digest: { type: 'string' } } as const;

const HELP = `Usage: sealkit sign <file> --bundle <out.sigstore.json> [options]
       sealkit sign --digest sha256:<hex> --bundle <out.sigstore.json> [options]
       sealkit sign registry:<image> [--bundle <out.sigstore.json>] [options]

Signs <file>, an artifact known by its SHA-256 digest, or an image in a registry, and
writes a Sigstore bundle (v0.3) that cosign, sigstore-js and sigstore-python verify.
The file is hashed streaming, in constant memory. An image is signed as cosign 3 signs
it (a DSSE statement of type https://sigstore.dev/cosign/sign/v1 about its manifest
digest) and the bundle is attached to it.

  --bundle <out>             where to write the bundle ("-" for standard output)
  --digest sha256:<hex>      sign the artifact with this SHA-256 instead of reading a file
                             (keyless, or an ECDSA/RSA --key); verifiers check it against
                             the artifact's bytes

${REGISTRY_SIGNING_HELP}

${SIGNING_FLAGS_HELP}

Exit status: 0 signed, 1 signing failed, 2 wrong usage.
`;

type FlagValues = {
  [K in keyof typeof SIGNING_FLAGS]?: (typeof SIGNING_FLAGS)[K]['type'] extends 'boolean' ? boolean : string;
};

/** `sealkit sign`. */
export const signCommand: Command = {
  name: 'sign',
  summary: 'sign a file with Sigstore (keyless or with a key) into a bundle',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, SIGN_FLAGS, 1);
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    const { artifact, label } = artifactArgument(positionals[0], values.digest, io);
    const inRegistry = isRegistrySubject(artifact);
    const out = inRegistry ? registryBundleFlag(values) : requireBundleFlag(values);
    if (!inRegistry) refuseRegistryFlags(values);
    const options = await signingOptionsFromFlags(values, io);
    // loaded here, not with the module: promote and the attest commands take this file's flags
    // and need the signing stack only when they sign
    const { signArtifact } = await import('../../sign/index.js');
    const result = await signArtifact(artifact, {
      ...options,
      bundlePath: out === undefined || out === '-' ? undefined : resolve(io.cwd, out),
      ...(inRegistry ? { registry: registryClientOptions(values, io), upload: values['no-upload'] !== true } : {}),
    });
    const headline =
      result.registry !== undefined ? `signed ${result.registry.reference}`
      : label === undefined ? `signed sha256:${result.sha256}`
      : `signed ${label} (sha256:${result.sha256})`;
    printResult(io, headline, result, out, result.registry === undefined ? [] : [result.registry]);
    return 0;
  },
};

/** What to sign: the `<file>` argument or the `--digest`, exactly one of them. */
function artifactArgument(
  file: string | undefined,
  digest: string | undefined,
  io: CliIO,
): { artifact: ArtifactInput; /** The file as the user named it; none for a digest. */ label: string | undefined } {
  if (file !== undefined && digest !== undefined) {
    throw new UsageError('INVALID_ARGUMENT', 'give either <file> or --digest, not both (see sealkit sign --help)');
  }
  if (file !== undefined) return { artifact: isRegistrySubject(file) ? file : resolve(io.cwd, file), label: file };
  if (digest !== undefined) return { artifact: { sha256: digest }, label: undefined };
  throw new UsageError('INVALID_ARGUMENT', 'missing <file> (or --digest sha256:<hex>) to sign (see sealkit sign --help)');
}

/** The `--bundle` value, or a usage error when it is missing. */
export function requireBundleFlag(values: FlagValues): string {
  if (!values.bundle) throw new UsageError('INVALID_ARGUMENT', '--bundle <out> is required');
  return values.bundle;
}

/** `--bundle` for a registry subject: optional, unless `--no-upload` leaves it the only output. */
export function registryBundleFlag(values: FlagValues & { 'no-upload'?: boolean }): string | undefined {
  if (values['no-upload'] === true && !values.bundle) {
    throw new UsageError('INVALID_ARGUMENT', '--no-upload needs --bundle <out>: the bundle would go nowhere');
  }
  return values.bundle || undefined;
}

/** Refuses registry flags where no subject is in a registry: they would silently do nothing. */
export function refuseRegistryFlags(values: Record<string, unknown>): void {
  const given = Object.keys(REGISTRY_SIGNING_FLAGS).filter((name) => values[name] !== undefined);
  if (given.length > 0) {
    throw new UsageError('INVALID_ARGUMENT', `--${given[0]} is for images in a registry (registry:<image>), and nothing here is one`);
  }
}

/** Translates the shared flags into options, reading the key and token files they name. */
export async function signingOptionsFromFlags(values: FlagValues, io: CliIO): Promise<SigningOptions> {
  const options: SigningOptions = { env: io.env };
  if (values.key !== undefined) {
    const path = resolve(io.cwd, values.key);
    try {
      options.key = await readFile(path, 'utf8');
    } catch (error) {
      throw new SigningError('KEY_INVALID', `cannot read the key file ${values.key}: ${(error as Error).message}`, {
        cause: error,
        details: { path },
      });
    }
    options.passphrase = io.env[KEY_PASSPHRASE_VARIABLE];
  }
  if (values['identity-token'] !== undefined) options.identityToken = await readToken(values['identity-token'], io);
  if (values.audience !== undefined) options.audience = values.audience;
  if (values['fulcio-url'] !== undefined) options.fulcioUrl = values['fulcio-url'];
  if (values['rekor-url'] !== undefined) options.rekorUrl = values['rekor-url'];
  if (values['tsa-url'] !== undefined) options.tsaUrl = values['tsa-url'];
  if (values['signing-config'] !== undefined) options.signingConfig = resolve(io.cwd, values['signing-config']);
  if (values['rekor-version'] !== undefined) {
    const version = values['rekor-version'];
    if (version !== '1' && version !== '2') throw new UsageError('INVALID_ARGUMENT', `--rekor-version must be 1 or 2, not ${version}`);
    options.rekorVersion = version === '1' ? 1 : 2;
  }
  if (values.timeout !== undefined) {
    const seconds = Number(values.timeout);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new UsageError('INVALID_ARGUMENT', `--timeout must be a positive number of seconds, not ${values.timeout}`);
    }
    options.timeout = Math.round(seconds * 1000);
  }
  if (values.retries !== undefined) {
    const retries = Number(values.retries);
    if (!Number.isInteger(retries) || retries < 0) {
      throw new UsageError('INVALID_ARGUMENT', `--retries must be a whole number >= 0, not ${values.retries}`);
    }
    options.retries = retries;
  }
  return options;
}

/**
 * Prints the bundle (for `--bundle -`) or a short summary of what was signed, with the image
 * digests signed and the referrers attached (the digest also goes to stderr with `--bundle -`).
 */
export function printResult(io: CliIO, headline: string, result: SignResult, out: string | undefined, attachments: readonly RegistryAttachment[] = []): void {
  const attached = attachments.map((a) =>
    a.referrer === undefined ? `  image:  ${a.reference} (not attached: --no-upload)` : `  image:  ${a.reference}\n  attached as ${a.referrer.digest}`,
  );
  if (out === '-') {
    if (attached.length > 0) io.stderr.write(`${headline}\n${attached.join('\n')}\n`);
    io.stdout.write(`${JSON.stringify(result.bundle)}\n`);
    return;
  }
  const signer =
    result.signer.kind === 'keyless'
      ? `${result.signer.subject} (issuer ${result.signer.issuer}, token from ${result.signer.tokenSource})`
      : `key ${result.signer.keyHint}`;
  const lines = [headline, `  signer: ${signer}`];
  for (const entry of result.tlogEntries) lines.push(`  tlog:   ${entry.url} entry ${entry.logIndex}`);
  for (const url of result.timestampAuthorities) lines.push(`  tsa:    ${url}`);
  lines.push(...attached);
  if (out !== undefined) lines.push(`  bundle: ${out}`);
  io.stdout.write(`${lines.join('\n')}\n`);
}

// A JWT is three base64url parts; anything else naming an existing file is read from it.
async function readToken(value: string, io: CliIO): Promise<string> {
  if (/^[\w-]+\.[\w-]+\.[\w-]*$/.test(value.trim())) return value;
  const path = resolve(io.cwd, value);
  if (!existsSync(path)) return value;
  return (await readFile(path, 'utf8')).trim();
}
