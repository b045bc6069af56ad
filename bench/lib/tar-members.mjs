/**
 * Lists the members of a tar file with the byte range of each one's data, by reading only
 * the headers, so that a member can be streamed out of the archive without extracting it.
 * @module
 */
import { closeSync, openSync, readSync } from 'node:fs';

const BLOCK = 512;

function field(header, start, length) {
  const raw = header.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('utf8');
}

function numeric(header, start, length) {
  const raw = header.subarray(start, start + length);
  // GNU base-256 for sizes above 8 GiB
  if (raw[0] & 0x80) {
    let value = 0;
    for (let i = 1; i < length; i++) value = value * 256 + raw[i];
    return value;
  }
  const text = field(header, start, length).trim();
  return text === '' ? 0 : Number.parseInt(text, 8);
}

function paxPath(data) {
  let rest = data.toString('utf8');
  let found;
  while (rest.length > 0) {
    const space = rest.indexOf(' ');
    const length = Number.parseInt(rest.slice(0, space), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = rest.slice(space + 1, length - 1);
    const eq = record.indexOf('=');
    if (record.slice(0, eq) === 'path') found = record.slice(eq + 1);
    rest = rest.slice(length);
  }
  return found;
}

/**
 * Every member of the tar file `file`: name, type flag, data offset and size.
 * @param {string} file
 * @returns {{ name: string, type: string, linkname: string, offset: number, size: number }[]}
 */
export function tarMembers(file) {
  const fd = openSync(file, 'r');
  const members = [];
  try {
    const header = Buffer.alloc(BLOCK);
    let position = 0;
    let longName;
    for (;;) {
      if (readSync(fd, header, 0, BLOCK, position) < BLOCK) break;
      if (header.every((byte) => byte === 0)) break;
      const size = numeric(header, 124, 12);
      const type = String.fromCharCode(header[156] || 48);
      const offset = position + BLOCK;
      position = offset + Math.ceil(size / BLOCK) * BLOCK;
      if (type === 'x' || type === 'L') {
        const data = Buffer.alloc(size);
        readSync(fd, data, 0, size, offset);
        longName = type === 'x' ? paxPath(data) : data.toString('utf8').replace(/\0+$/, '');
        continue;
      }
      if (type === 'g') continue;
      const prefix = field(header, 345, 155);
      const shortName = field(header, 0, 100);
      const name = longName ?? (prefix ? `${prefix}/${shortName}` : shortName);
      longName = undefined;
      members.push({ name: name.replace(/^\.\//, ''), type, linkname: field(header, 157, 100), offset, size });
    }
  } finally {
    closeSync(fd);
  }
  return members;
}
