/**
 * `META-INF/MANIFEST.MF`, as the JAR specification defines it: `Name: value` headers, a value
 * continued on lines that start with one space, sections separated by blank lines, the first
 * section being the main attributes. Header names are case-insensitive.
 * @module
 */

/** A parsed manifest: the main section and the per-entry sections that follow it. */
export interface JavaManifest {
  /** Main attributes, keyed by lowercased header name. */
  main: Map<string, string>;
  sections: Array<Map<string, string>>;
}

/** Parses manifest text; lines that are not headers are skipped (the JDK rejects them, but we only read). */
export function parseManifest(text: string): JavaManifest {
  const sections: Array<Map<string, string>> = [];
  let current: Map<string, string> | undefined;
  let lastKey: string | undefined;
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '') {
      current = undefined;
      lastKey = undefined;
      continue;
    }
    if (line.startsWith(' ')) {
      // the specification wraps at 72 bytes by inserting a newline and one space: drop exactly that space
      if (current !== undefined && lastKey !== undefined) current.set(lastKey, `${current.get(lastKey) ?? ''}${line.slice(1)}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      lastKey = undefined;
      continue;
    }
    const key = line.slice(0, colon).trim().toLowerCase();
    if (current === undefined) {
      current = new Map();
      sections.push(current);
    }
    // a repeated header replaces the earlier one, as java.util.jar.Attributes does
    current.set(key, line.slice(colon + 1).replace(/^ /, ''));
    lastKey = key;
  }
  const [main = new Map<string, string>(), ...rest] = sections;
  return { main, sections: rest };
}

/** A main attribute, trimmed; undefined when absent or blank. */
export function mainValue(manifest: JavaManifest | undefined, name: string): string | undefined {
  const value = manifest?.main.get(name.toLowerCase())?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** A main attribute, else the same header in the first per-entry section that has it. */
export function anyValue(manifest: JavaManifest | undefined, name: string): string | undefined {
  const main = mainValue(manifest, name);
  if (main !== undefined || manifest === undefined) return main;
  const key = name.toLowerCase();
  for (const section of manifest.sections) {
    const value = section.get(key)?.trim();
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}
