/**
 * Python core metadata (`METADATA`, `PKG-INFO`): RFC 822 style headers, continued on lines that
 * start with whitespace, ending at the first blank line (the long description follows). Fields may
 * repeat (`Classifier`, `Requires-Dist`), so each name maps to every value in order.
 * @module
 */

/** Header fields by lowercased name; each value in file order. */
export type PythonMetadata = Map<string, string[]>;

/** Parses core metadata headers. Never throws; lines it cannot read are skipped. */
export function parsePythonMetadata(text: string): PythonMetadata {
  const fields: PythonMetadata = new Map();
  let lastValues: string[] | undefined;
  let start = 0;
  const length = text.length;
  while (start < length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = length;
    let line = text.slice(start, end);
    start = end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') break;
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) {
      if (lastValues !== undefined && lastValues.length > 0) {
        const index = lastValues.length - 1;
        lastValues[index] = `${lastValues[index]}\n${line.trim()}`;
      }
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      lastValues = undefined;
      continue;
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    let values = fields.get(name);
    if (values === undefined) {
      values = [];
      fields.set(name, values);
    }
    values.push(line.slice(colon + 1).trim());
    lastValues = values;
  }
  return fields;
}

/** The first value of a field, or undefined when absent or empty. */
export function metadataField(metadata: PythonMetadata, name: string): string | undefined {
  const value = metadata.get(name)?.[0]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** A requirement reduced to what linking needs. */
export interface PythonRequirement {
  /** Project name as written (normalize before comparing). */
  name: string;
  /** True when the requirement only applies with an extra (`extra == "socks"`). */
  extraOnly: boolean;
}

/** Parses one PEP 508 requirement (`requests[socks] (>=2.0) ; python_version < "3.8"`). */
export function parseRequirement(text: string): PythonRequirement | undefined {
  const semicolon = text.indexOf(';');
  const spec = semicolon < 0 ? text : text.slice(0, semicolon);
  const marker = semicolon < 0 ? '' : text.slice(semicolon + 1);
  const name = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(spec)?.[1];
  if (name === undefined) return undefined;
  return { name, extraOnly: /\bextra\s*==/.test(marker) };
}

/**
 * Requirements from an egg-info `requires.txt`: the lines before any `[section]` always apply;
 * `[extra]` and `[extra:marker]` sections apply only with that extra; `[:marker]` sections apply
 * whenever their environment marker holds, so they count.
 */
export function parseRequiresTxt(text: string): PythonRequirement[] {
  const requirements: PythonRequirement[] = [];
  let extraOnly = false;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      const section = line.slice(1, line.endsWith(']') ? -1 : undefined);
      extraOnly = !section.startsWith(':');
      continue;
    }
    const requirement = parseRequirement(line);
    if (requirement !== undefined) requirements.push({ name: requirement.name, extraOnly: extraOnly || requirement.extraOnly });
  }
  return requirements;
}
