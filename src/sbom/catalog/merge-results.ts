/**
 * Runs a one-file parser over every lockfile of a view and joins the results, so that a bad file
 * is a warning and the others are still read.
 * @module
 */
import type { CatalogContext, CatalogFile, CatalogResult } from './cataloger.js';

/** Parses each file with `parse`, warning (never throwing) for one that fails. */
export function mergeResults(
  files: readonly CatalogFile[],
  context: CatalogContext,
  kind: string,
  parse: (file: CatalogFile, context: CatalogContext) => CatalogResult | undefined,
): CatalogResult {
  const result: Required<CatalogResult> = { packages: [], relationships: [], projects: [] };
  for (const file of files) {
    let one: CatalogResult | undefined;
    try {
      one = parse(file, context);
    } catch (error) {
      context.warn({ code: 'METADATA_UNPARSABLE', message: `unreadable ${kind}: ${(error as Error).message}`, path: file.path });
    }
    if (one === undefined) continue;
    // one by one: spreading a lockfile's thousands of entries into push() can overflow the stack
    for (const draft of one.packages) result.packages.push(draft);
    for (const relationship of one.relationships) result.relationships.push(relationship);
    for (const project of one.projects ?? []) result.projects.push(project);
  }
  return result;
}
