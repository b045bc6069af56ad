/**
 * True when `text` is an absolute http, https or ftp URL: what both formats accept as a
 * homepage. Catalogers pass metadata through, and `UNKNOWN` or `see README` are not homepages.
 */
export function isWebUrl(text: string): boolean {
  return URL.canParse(text) && ['http:', 'https:', 'ftp:'].includes(new URL(text).protocol);
}
