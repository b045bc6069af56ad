/**
 * Indexes an outer image archive (docker save / OCI archive) by reading its 512-byte headers
 * and seeking over the bodies, so a multi-gigabyte archive is indexed with a few hundred reads
 * and each blob can later be streamed straight from its byte range.
 * @module
 */
import type { FileHandle } from 'node:fs/promises';
import { SourceError } from '../../errors.js';
import { BLOCK, checksumMatches, cString, isZero, parseNumber, parsePax, ustarName } from './tar-header.js';

/** Where one member of the archive lives. */
export interface TarMember {
  name: string;
  /** Offset of the member's data in the archive file. */
  offset: number;
  size: number;
  /** `file`, `link` (hard link to `linkName`), `symlink`, `directory` or `other`. */
  type: 'file' | 'link' | 'symlink' | 'directory' | 'other';
  linkName?: string;
}

// A docker-archive has a handful of members per layer; anything near this is not an image.
const MAX_MEMBERS = 100_000;
// PAX and GNU long-name records are small; a huge one is a corrupt or hostile archive.
const MAX_EXTENDED_HEADER = 1024 * 1024;

/** Reads the member table of the tar file behind `handle` (of `fileSize` bytes). */
export async function indexTar(handle: FileHandle, fileSize: number, path: string): Promise<Map<string, TarMember>> {
  const members = new Map<string, TarMember>();
  const header = Buffer.alloc(BLOCK);
  let offset = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};

  const corrupt = (why: string): SourceError =>
    new SourceError('ARCHIVE_CORRUPT', `${path} is not a valid tar archive: ${why} at byte ${offset}`, {
      details: { path, offset },
    });

  for (;;) {
    if (offset + BLOCK > fileSize) {
      // A tar ends with zero blocks; running out of bytes first means it was cut short.
      if (members.size === 0 && offset === 0) throw corrupt('empty file');
      throw corrupt('truncated archive');
    }
    const { bytesRead } = await handle.read(header, 0, BLOCK, offset);
    if (bytesRead < BLOCK) throw corrupt('truncated header');
    if (isZero(header)) break;
    if (!checksumMatches(header)) throw corrupt('header checksum mismatch');

    const size = parseNumber(header, 124, 12);
    if (size === undefined || size < 0) throw corrupt('invalid size field');
    const typeFlag = String.fromCharCode(header[156] ?? 0);
    const dataOffset = offset + BLOCK;
    if (dataOffset + size > fileSize) throw corrupt('member extends past the end of the file');
    const next = dataOffset + Math.ceil(size / BLOCK) * BLOCK;

    if (typeFlag === 'L' || typeFlag === 'K' || typeFlag === 'x' || typeFlag === 'g') {
      if (size > MAX_EXTENDED_HEADER) throw corrupt('oversized extended header');
      const data = Buffer.alloc(size);
      await handle.read(data, 0, size, dataOffset);
      if (typeFlag === 'L') longName = cString(data, 0, data.length);
      else if (typeFlag === 'K') longLink = cString(data, 0, data.length);
      else if (typeFlag === 'x') pax = parsePax(data);
      offset = next;
      continue;
    }

    const name = normalizeMemberName(pax.path ?? longName ?? ustarName(header));
    const linkName = pax.linkpath ?? longLink ?? cString(header, 157, 100);
    const realSize = pax.size !== undefined ? Number(pax.size) : size;
    pax = {};
    longName = undefined;
    longLink = undefined;

    const type = memberType(typeFlag);
    if (name !== '') {
      members.set(name, { name, offset: dataOffset, size: realSize, type, ...(linkName ? { linkName } : {}) });
      if (members.size > MAX_MEMBERS) throw corrupt('too many members for an image archive');
    }
    offset = next;
  }
  return members;
}

function memberType(flag: string): TarMember['type'] {
  switch (flag) {
    case '0':
    case '\0':
    case '7':
      return 'file';
    case '1':
      return 'link';
    case '2':
      return 'symlink';
    case '5':
      return 'directory';
    default:
      return 'other';
  }
}

/** Members are looked up by their clean relative name: no `./`, no leading or trailing slash. */
export function normalizeMemberName(name: string): string {
  return name
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.')
    .join('/');
}
