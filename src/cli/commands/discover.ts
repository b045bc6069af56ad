/**
 * `sealkit discover registry:<image> [--json]`: what is attached to an image — signatures,
 * attestations, SBOMs — as a table, or as a JSON array.
 * @module
 */
import { UsageError } from '../../errors.js';
import { discoverReferrers, type DiscoveredReferrer } from '../../registry/discover.js';
import { parseCommandArgs, type Command } from '../command.js';
import { REGISTRY_FLAGS, REGISTRY_HELP, registryClientOptions } from '../registry-options.js';

const FLAGS = {
  ...REGISTRY_FLAGS,
  json: { type: 'boolean' },
  'artifact-type': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const HELP = `Usage: sealkit discover registry:<image> [--json] [options]

Lists what is attached to an image (host/repo[:tag][@sha256:<hex>]): the referrers of the
manifest the reference resolves to (of an index itself, not of its platforms), through the
registry's referrers API, else the sha256-<hex> tag index, and cosign's older .sig/.att tags.

      --json            print a JSON array of { digest, artifactType, mediaType, size,
                        predicateType?, created?, source }
      --artifact-type <T>
                        only artifacts of this type (e.g. application/vnd.cyclonedx+json)
${REGISTRY_HELP}

Exit status: 0 listed (also when nothing is attached), 1 the registry failed, 2 wrong usage.
`;

/** `sealkit discover`. */
export const discoverCommand: Command = {
  name: 'discover',
  summary: 'list the signatures, attestations and SBOMs attached to an image in a registry',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, FLAGS, 1);
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    const image = positionals[0];
    if (!image) throw new UsageError('INVALID_ARGUMENT', 'missing registry:<image> (see sealkit discover --help)');
    const result = await discoverReferrers(image, {
      registry: registryClientOptions(values, io),
      ...(values['artifact-type'] !== undefined ? { artifactType: values['artifact-type'] } : {}),
    });
    if (values.json) {
      io.stdout.write(`${JSON.stringify(result.referrers.map(jsonEntry), null, 2)}\n`);
      return 0;
    }
    io.stdout.write(`${result.reference} (${result.subject.mediaType})\n${table(result.referrers)}`);
    return 0;
  },
};

/** The JSON shape of one referrer, in a fixed key order. */
function jsonEntry(referrer: DiscoveredReferrer): Record<string, unknown> {
  return {
    digest: referrer.digest,
    artifactType: referrer.artifactType ?? null,
    mediaType: referrer.mediaType,
    size: referrer.size,
    ...(referrer.predicateType !== undefined ? { predicateType: referrer.predicateType } : {}),
    ...(referrer.created !== undefined ? { created: referrer.created } : {}),
    source: referrer.source,
  };
}

function table(referrers: readonly DiscoveredReferrer[]): string {
  if (referrers.length === 0) return 'nothing attached\n';
  const header = ['DIGEST', 'ARTIFACT TYPE', 'PREDICATE TYPE', 'SIZE', 'CREATED', 'SOURCE'];
  const rows = referrers.map((r) => [r.digest, r.artifactType ?? '-', r.predicateType ?? '-', String(r.size), r.created ?? '-', r.source].map(printable));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

// Registry-supplied text goes to a terminal: control characters are shown, not obeyed.
function printable(text: string): string {
  let out = '';
  for (const c of text) {
    const code = c.charCodeAt(0);
    out += code < 0x20 || (code >= 0x7f && code <= 0x9f) ? `\\u${code.toString(16).padStart(4, '0')}` : c;
  }
  return out;
}
