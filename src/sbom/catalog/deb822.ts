/**
 * The Debian control-file format (deb822): paragraphs of `Field: value` lines separated by blank
 * lines, values continued on lines that start with a space or tab. Used by the dpkg database and
 * machine-readable copyright files. The parser walks the text once with `indexOf`, so a
 * multi-megabyte status file costs one pass and one small map per paragraph.
 * @module
 */

/**
 * One paragraph: field names lowercased (deb822 field names are case-insensitive), values with
 * the first line trimmed and continuation lines kept after a `\n`, minus their leading blank.
 */
export type Deb822Paragraph = Map<string, string>;

/** What {@link parseDeb822} found. */
export interface Deb822Document {
  paragraphs: Deb822Paragraph[];
  /** Lines that were neither a field, a continuation, a comment nor blank. */
  malformedLines: number;
}

/** Parses deb822 text. Never throws; lines it cannot read are counted in `malformedLines`. */
export function parseDeb822(text: string): Deb822Document {
  const paragraphs: Deb822Paragraph[] = [];
  let malformedLines = 0;
  let current: Deb822Paragraph | undefined;
  let lastField: string | undefined;
  let start = 0;
  const length = text.length;
  while (start <= length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = length;
    let line = text.slice(start, end);
    start = end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const first = line.charCodeAt(0);
    if (line.length === 0 || line.trim() === '') {
      current = undefined;
      lastField = undefined;
    } else if (first === 0x20 || first === 0x09) {
      if (current === undefined || lastField === undefined) {
        malformedLines++;
        continue;
      }
      current.set(lastField, `${current.get(lastField) ?? ''}\n${line.slice(1)}`);
    } else if (first === 0x23) {
      // '#' comment lines (allowed in debian/control and copyright files)
    } else {
      const colon = line.indexOf(':');
      if (colon <= 0) {
        malformedLines++;
        continue;
      }
      if (current === undefined) {
        current = new Map();
        paragraphs.push(current);
      }
      lastField = line.slice(0, colon).trim().toLowerCase();
      current.set(lastField, line.slice(colon + 1).trim());
    }
    if (end === length) break;
  }
  return { paragraphs, malformedLines };
}

/** The first line of a field value (the synopsis of a Description, the short name of a License). */
export function firstLineOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const newline = value.indexOf('\n');
  const line = (newline < 0 ? value : value.slice(0, newline)).trim();
  return line === '' ? undefined : line;
}
