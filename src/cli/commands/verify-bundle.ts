/**
 * `sealkit verify-bundle --bundle F (--certificate-identity I --certificate-oidc-issuer U | --key
 * PEM) [--trusted-root F] FILE_OR_DIGEST`: the command line of the Sigstore client conformance
 * suite. Verifies one bundle, prints why when it fails, and exits 0 or 1.
 * @module
 */
import { verifyBundle } from '../../verify/verify-bundle.js';
import { parseCommandArgs, type Command } from '../command.js';
import { VERIFY_FLAGS, artifactArgument, bundleArguments, formatResult, verifyOptionsFromFlags } from './verify.js';

const HELP = `Usage: sealkit verify-bundle --bundle <F> [--trusted-root <F>]
         (--certificate-identity <I> --certificate-oidc-issuer <U> | --key <pub.pem>)
         <FILE | sha256:<hex>>

Verifies one Sigstore bundle (v0.1 to v0.3) about a file, or about an artifact known only
by its SHA-256 digest, as 'cosign verify-blob' does: signature, certificate chain,
transparency log and timestamps against the trusted root (default: the Sigstore
public-good root embedded in sealkit), and the signer's identity. No SLSA level is
required; use 'sealkit verify' for provenance policies.

  --bundle <F>                     the bundle
  --trusted-root <F>               a trusted_root.json to use instead of the embedded root
  --certificate-identity <I>       the certificate identity, matched exactly
  --certificate-identity-regexp <RE>
                                   a pattern the whole identity must match
  --certificate-oidc-issuer <U>    the OIDC issuer
  --key <pub.pem>                  verify a key-signed bundle with this public key

Exit status: 0 verified, 1 not verified (the failed checks go to stderr), 2 wrong usage.
`;

/** `sealkit verify-bundle`. */
export const verifyBundleCommand: Command = {
  name: 'verify-bundle',
  summary: 'verify one Sigstore bundle (the Sigstore conformance command line)',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, VERIFY_FLAGS, 1);
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    const artifact = artifactArgument(positionals[0], io, 'verify-bundle');
    const bundles = bundleArguments(values, io, 'verify-bundle');
    const options = await verifyOptionsFromFlags(values, io);
    const result = await verifyBundle(artifact, bundles.length === 1 ? bundles[0]! : bundles, options);
    (result.verified ? io.stdout : io.stderr).write(formatResult(positionals[0]!, result, 0));
    return result.verified ? 0 : 1;
  },
};
