/**
 * The check every reader of parsed JSON, YAML or TOML makes before it looks at fields.
 * @module
 */

/** True for a plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
