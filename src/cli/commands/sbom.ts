/**
 * `sealkit sbom <source>`: generates an SBOM and prints it, or writes it atomically to a file.
 * @module
 */
import { UsageError } from '../../errors.js';
import { SBOM_FORMATS, encodeSbom, parseSbomFormat } from '../../sbom/format/index.js';
import { generateSbom, resolveTimestamp, type GenerateSbomOptions } from '../../sbom/generate.js';
import type { Scope } from '../../sbom/model.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { parseCommandArgs, type CliIO, type Command } from '../command.js';
import { progressBar } from '../progress.js';
import { REGISTRY_FLAGS, REGISTRY_HELP, registryClientOptions } from '../registry-options.js';

const HELP = `Usage: sealkit sbom <source> [options]

Generates a software bill of materials of a container image, a directory or a lockfile.

Sources:
  docker-archive:PATH   an image saved with 'docker save'
  oci-archive:PATH      an OCI image layout in a tar archive
  oci-dir:PATH          an OCI image layout directory
  dir:PATH              a root filesystem or a project directory
  lockfile:PATH         one lockfile (package-lock.json, yarn.lock, go.mod, ...), with the
                        files beside it that it needs (package.json, go.sum, ...)
  registry:REF          an image in a registry (host/repo:tag or host/repo@sha256:...),
                        pulled layer by layer and never stored; the SBOM names its digest
  PATH                  any of the above, detected from what is there; a reference such as
                        ghcr.io/org/app:1.0 or repo@sha256:... when no such path exists
  docker-archive:-      an image archive read from standard input (also oci-archive:-,
                        or - to tell the kind from the archive)

Image archives may be gzip- or zstd-compressed (image.tar.gz); a compressed archive and
standard input are read in one streaming pass, never held whole.

Options:
  -f, --format <fmt>    ${SBOM_FORMATS.join(' ').replace(/(.{1,54})(?: |$)/g, '$1\n                        ').trimEnd()}
                        (default cyclonedx-json; without @version, CycloneDX is 1.6)
  -o, --output <file>   write to <file> (atomically) instead of stdout
      --scope <scope>   squashed (default): what the final image holds
                        all-layers: every package any layer ever held
      --platform <p>    os/arch[/variant] to pick from a multi-platform image (default linux/amd64)
${REGISTRY_HELP}
      --catalogers <l>  comma-separated cataloger names to run (default: all that apply)
      --exclude-dev     leave out packages locked only for development, and their relationships
      --strict          fail on the first warning instead of reporting it
  -h, --help            show this help

Warnings (a file too large, metadata that cannot be parsed, a link not followed) go to stderr;
the SBOM is still written. Set SOURCE_DATE_EPOCH for a fixed timestamp and byte-identical output.

Examples:
  sealkit sbom oci-archive:build/image.tar --format spdx-json --output image.spdx.json
  sealkit sbom registry:ghcr.io/org/app:1.0 --platform linux/arm64 --output app.cdx.json
  docker save app:1.0 | sealkit sbom docker-archive:- --output app.cdx.json
`;

const FLAGS = {
  format: { type: 'string', short: 'f' },
  output: { type: 'string', short: 'o' },
  scope: { type: 'string' },
  platform: { type: 'string' },
  catalogers: { type: 'string' },
  strict: { type: 'boolean' },
  'exclude-dev': { type: 'boolean' },
  ...REGISTRY_FLAGS,
  help: { type: 'boolean', short: 'h' },
} as const;

export const sbomCommand: Command = {
  name: 'sbom',
  summary: 'Generate an SBOM (CycloneDX or SPDX) of an image, directory or lockfile',
  help: HELP,
  async run(args: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseCommandArgs(args, FLAGS, 1);
    const source = positionals[0];
    if (source === undefined) throw new UsageError('INVALID_ARGUMENT', 'missing <source>');
    const format = parseSbomFormat(values.format ?? 'cyclonedx-json');
    if (values.scope !== undefined && values.scope !== 'squashed' && values.scope !== 'all-layers') {
      throw new UsageError('INVALID_ARGUMENT', `--scope must be squashed or all-layers, not ${JSON.stringify(values.scope)}`);
    }
    // the command's environment, not the process's: they differ when the CLI is run in-process
    const timestamp = resolveTimestamp(undefined, io.env);
    const registry = registryClientOptions(values, io);
    const controller = new AbortController();
    const onSignal = () => controller.abort();
    process.once('SIGINT', onSignal);
    const progress = progressBar(io);
    const options: GenerateSbomOptions = {
      signal: controller.signal,
      onProgress: progress.onProgress,
      timestamp,
      strict: values.strict === true,
      excludeDev: values['exclude-dev'] === true,
      registry,
      ...(values.scope ? { scope: values.scope as Scope } : {}),
      ...(values.platform ? { platform: values.platform } : {}),
      ...(values.catalogers ? { catalogers: values.catalogers.split(',').map((c) => c.trim()).filter(Boolean) } : {}),
    };
    try {
      const sbom = await generateSbom(source, options);
      progress.done();
      for (const warning of sbom.warnings) {
        io.stderr.write(`sealkit: warning: ${warning.code}: ${warning.message}${warning.layer ? ` (layer ${warning.layer})` : ''}\n`);
      }
      // bytes built piece by piece: the document is never one (possibly two-byte) string
      const document = encodeSbom(sbom, format);
      if (values.output === undefined || values.output === '-') io.stdout.write(document);
      else await writeFileAtomic(values.output, document);
      return 0;
    } finally {
      progress.done();
      process.off('SIGINT', onSignal);
    }
  },
};
