/**
 * A synchronous, push-style tar parser for layer streams. Chunks may be views into a buffer
 * the caller reuses, so the parser copies only what it keeps (a straddling header, extended
 * headers) and never retains a chunk; a member's data goes, piece by piece, to the sink its
 * visitor returned, which keeps what it wants: a layer of any size is parsed with the memory of
 * what the sinks keep. Understands ustar, GNU long names and PAX records.
 * @module
 */
import { BLOCK, checksumMatches, cString, isZero, parseNumber, parsePax, ustarName } from './tar-header.js';

/** A raw tar member, before path normalization and whiteout interpretation. */
export interface RawTarEntry {
  name: string;
  /** `0`/`7` file, `1` hard link, `2` symlink, `3`/`4` device, `5` directory, `6` FIFO, other flags as found. */
  typeFlag: string;
  size: number;
  linkName: string;
}

/** Receives one member's data as it streams by. */
export interface TarSink {
  /**
   * The next piece of data, in order; a view that is only valid during the call (copy what must
   * be kept). Pieces split the data wherever the input chunks did, even inside the first bytes.
   * Returns false when the sink wants nothing more of this member: it then gets no more data
   * and no {@link end}, and the rest of the member is skipped without a view being made.
   */
  write(data: Buffer): boolean;
  /** All `size` bytes were written. Not called when the stream ends early (that is an error). */
  end(): void;
}

/** Receives members in archive order. */
export interface TarVisitor {
  /** Returns a sink for the member's data, or undefined to skip it. */
  entry(entry: RawTarEntry): TarSink | undefined;
}

/** Thrown for malformed or truncated tar data; callers wrap it with the layer's identity. */
export class TarFormatError extends Error {}

const MAX_EXTENDED = 1024 * 1024;

type State = 'header' | 'data' | 'end';

export class TarParser {
  private state: State = 'header';
  private readonly headerBlock = Buffer.alloc(BLOCK);
  private headerFill = 0;
  private zeroBlocks = 0;
  /** Bytes of the current member's data still to come, then padding to skip. */
  private dataLeft = 0;
  private paddingLeft = 0;
  /** Where an extended header's records are assembled. */
  private keep: Buffer | undefined;
  private keepFill = 0;
  /** Where the current member's data goes. */
  private sink: TarSink | undefined;
  private extendedType: string | undefined;
  private pax: Record<string, string> = {};
  private globalPax: Record<string, string> = {};
  private longName: string | undefined;
  private longLink: string | undefined;
  /** Offset in the uncompressed stream, for error messages. */
  private offset = 0;

  constructor(private readonly visitor: TarVisitor) {}

  /** True once the end-of-archive marker (two zero blocks) was read. */
  get ended(): boolean {
    return this.state === 'end';
  }

  /** Parses `chunk`; it may be reused by the caller as soon as this returns. */
  write(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.state === 'end') return;
      if (this.state === 'header') {
        const take = Math.min(BLOCK - this.headerFill, chunk.length - pos);
        chunk.copy(this.headerBlock, this.headerFill, pos, pos + take);
        this.headerFill += take;
        pos += take;
        this.offset += take;
        if (this.headerFill === BLOCK) {
          this.headerFill = 0;
          this.onHeader();
        }
        continue;
      }
      if (this.dataLeft > 0) {
        const take = Math.min(this.dataLeft, chunk.length - pos);
        if (this.sink !== undefined) {
          if (!this.sink.write(chunk.subarray(pos, pos + take))) this.sink = undefined;
        } else if (this.keep !== undefined) {
          chunk.copy(this.keep, this.keepFill, pos, pos + take);
          this.keepFill += take;
        }
        this.dataLeft -= take;
        pos += take;
        this.offset += take;
        if (this.dataLeft === 0) this.onDataEnd();
        continue;
      }
      const skip = Math.min(this.paddingLeft, chunk.length - pos);
      this.paddingLeft -= skip;
      pos += skip;
      this.offset += skip;
      if (this.paddingLeft === 0) this.state = 'header';
    }
  }

  /** Call when the stream ends; a member cut short is an error. */
  end(): void {
    if (this.state === 'end') return;
    if (this.state === 'data' || this.headerFill !== 0) {
      throw new TarFormatError(`unexpected end of data at byte ${this.offset}`);
    }
  }

  private onHeader(): void {
    const block = this.headerBlock;
    if (isZero(block)) {
      // Two zero blocks end an archive; a lone one is tolerated as many writers pad oddly.
      if (++this.zeroBlocks >= 2) this.state = 'end';
      return;
    }
    this.zeroBlocks = 0;
    if (!checksumMatches(block)) throw new TarFormatError(`invalid tar header checksum at byte ${this.offset - BLOCK}`);
    const size = parseNumber(block, 124, 12);
    if (size === undefined) throw new TarFormatError(`invalid size field at byte ${this.offset - BLOCK}`);
    const typeFlag = String.fromCharCode(block[156] || 0x30);

    if (typeFlag === 'x' || typeFlag === 'g' || typeFlag === 'L' || typeFlag === 'K') {
      if (size > MAX_EXTENDED) throw new TarFormatError(`extended header of ${size} bytes at byte ${this.offset - BLOCK}`);
      this.extendedType = typeFlag;
      this.beginData(size, Buffer.allocUnsafe(size), undefined);
      return;
    }

    const pax = { ...this.globalPax, ...this.pax };
    const entry: RawTarEntry = {
      name: pax.path ?? this.longName ?? ustarName(block),
      typeFlag,
      size: pax.size !== undefined && /^\d+$/.test(pax.size) ? Number(pax.size) : size,
      linkName: pax.linkpath ?? this.longLink ?? cString(block, 157, 100),
    };
    this.pax = {};
    this.longName = undefined;
    this.longLink = undefined;
    this.extendedType = undefined;
    const dataSize = isDataless(typeFlag) ? 0 : entry.size;
    const sink = this.visitor.entry(entry);
    this.beginData(dataSize, undefined, dataSize === entry.size ? sink : undefined);
  }

  private beginData(size: number, keep: Buffer | undefined, sink: TarSink | undefined): void {
    this.keep = keep;
    this.keepFill = 0;
    this.sink = sink;
    this.dataLeft = size;
    this.paddingLeft = (BLOCK - (size % BLOCK)) % BLOCK;
    this.state = 'data';
    if (size === 0) this.onDataEnd();
  }

  private onDataEnd(): void {
    const data = this.keep;
    const sink = this.sink;
    this.keep = undefined;
    this.sink = undefined;
    if (this.extendedType !== undefined) {
      const type = this.extendedType;
      this.extendedType = undefined;
      const records = data ?? Buffer.alloc(0);
      if (type === 'x') this.pax = parsePax(records);
      else if (type === 'g') this.globalPax = { ...this.globalPax, ...parsePax(records) };
      else if (type === 'L') this.longName = cString(records, 0, records.length);
      else this.longLink = cString(records, 0, records.length);
    } else {
      sink?.end();
    }
    this.state = this.paddingLeft > 0 ? 'data' : 'header';
  }
}

/** Links, directories and devices carry no data even when a writer fills in a size. */
function isDataless(typeFlag: string): boolean {
  return typeFlag === '1' || typeFlag === '2' || typeFlag === '3' || typeFlag === '4' || typeFlag === '5' || typeFlag === '6';
}
