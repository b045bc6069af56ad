/**
 * The serializing half of `@cyclonedx/cyclonedx-library`, loaded on first use rather than with
 * the module graph, and without its XML half when only JSON is written.
 *
 * The library's `Serialize` entry point loads its XML writer, `xmlbuilder2`, eagerly: about
 * 1 MiB of JavaScript (with `@oozcitak/*` and `js-yaml`) whose loading was the largest single
 * part of the start-up of `sealkit sbom`, also for the JSON formats that never use it. JSON
 * output needs only the library's JSON normalizer, a self-contained part of the same package
 * that its `exports` map does not name on its own; it is taken from the package's files, and
 * from the public `Serialize` entry point whenever that file is not where this version of the
 * library keeps it. Both are the same module instances, so the library's `instanceof` checks
 * on models hold either way.
 * @module
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Serialize from '@cyclonedx/cyclonedx-library/Serialize';

const require = createRequire(import.meta.url);

/** Where version 10 of the library keeps its JSON normalizer, relative to its package.json. */
const JSON_PART = 'dist.node/serialize/json/index.js';

let serialize: typeof Serialize | undefined;
let json: typeof Serialize.JSON | undefined;

/** The library's whole `Serialize` namespace (XML included), loaded on the first call. */
export function cycloneDxSerialize(): typeof Serialize {
  serialize ??= require('@cyclonedx/cyclonedx-library/Serialize') as typeof Serialize;
  return serialize;
}

/** The library's `Serialize.JSON` (normalizers and types), loaded on the first call without the XML writer. */
export function cycloneDxJson(): typeof Serialize.JSON {
  json ??= jsonPart() ?? cycloneDxSerialize().JSON;
  return json;
}

function jsonPart(): typeof Serialize.JSON | undefined {
  try {
    const root = dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json'));
    const part = require(join(root, JSON_PART)) as Partial<typeof Serialize.JSON> | undefined;
    // a later layout may keep something else there: only the shape used here is trusted
    return typeof part?.Normalize?.Factory === 'function' ? (part as typeof Serialize.JSON) : undefined;
  } catch {
    return undefined;
  }
}
