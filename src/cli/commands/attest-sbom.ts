/**
 * `sealkit attest-sbom <sbom.json> --subject <file> --bundle <out>`: signs an SBOM as an
 * in-toto attestation about the artifact it describes.
 * @module
 */
import { resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { attestSbom } from '../../sign/index.js';
import { parseCommandArgs, type Command } from '../command.js';
import { SIGNING_FLAGS, SIGNING_FLAGS_HELP, printResult, requireBundleFlag, signingOptionsFromFlags } from './sign.js';

const FLAGS = {
  ...SIGNING_FLAGS,
  subject: { type: 'string' },
  'subject-name': { type: 'string' },
} as const;

const HELP = `Usage: sealkit attest-sbom <sbom.json> --subject <file> --bundle <out> [options]

Signs a CycloneDX or SPDX JSON SBOM as an in-toto attestation (DSSE, predicate type
https://cyclonedx.org/bom or https://spdx.dev/Document) whose subject is <file>'s sha256.

  --subject <file>           the artifact the SBOM describes
  --subject-name <name>      its name in the attestation (default: the file name)
  --bundle <out>             where to write the bundle ("-" for standard output)

${SIGNING_FLAGS_HELP}

Exit status: 0 signed, 1 signing failed, 2 wrong usage.
`;

/** `sealkit attest-sbom`. */
export const attestSbomCommand: Command = {
  name: 'attest-sbom',
  summary: 'sign an SBOM as an in-toto attestation about an artifact',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, FLAGS, 1);
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    const sbom = positionals[0];
    if (!sbom) throw new UsageError('INVALID_ARGUMENT', 'missing <sbom.json> (see sealkit attest-sbom --help)');
    if (!values.subject) throw new UsageError('INVALID_ARGUMENT', '--subject <file> is required');
    const out = requireBundleFlag(values);
    const options = await signingOptionsFromFlags(values, io);
    const result = await attestSbom(resolve(io.cwd, sbom), resolve(io.cwd, values.subject), {
      ...options,
      subjectName: values['subject-name'],
      bundlePath: out === '-' ? undefined : resolve(io.cwd, out),
    });
    const digest = result.statement.subject[0]?.digest.sha256 ?? '';
    printResult(io, `attested ${sbom} (${result.statement.predicateType}) for ${values.subject} (sha256:${digest})`, result, out);
    return 0;
  },
};
