/**
 * Reads a tar archive front to back, member by member, from chunks that cannot be read twice
 * (standard input, the output of a decompressor): how an outer image archive is read when it
 * cannot be indexed. Built on the layer streams' {@link TarParser}, so both agree on the format.
 * A member's data comes as views into the input's chunks, each valid until the next is asked for:
 * reading a member of any size costs no memory of its own.
 * @module
 */
import { SealkitError, SourceError } from '../../errors.js';
import { TarParser, type RawTarEntry, type TarSink } from './tar-parser.js';

/** One member as it streams by. */
export interface StreamedMember extends RawTarEntry {
  /** The member's data. Read it (or not) before asking for the next member; what is left is skipped. */
  body: AsyncIterable<Buffer>;
}

type Event = { kind: 'member'; entry: RawTarEntry } | { kind: 'data'; data: Buffer } | { kind: 'end' };

/** Reads one archive once; every failure is an `ARCHIVE_CORRUPT` {@link SourceError} naming `label`. */
export class TarStreamReader {
  /** What the parser made of the current input chunk, handed out one at a time. */
  private readonly events: Event[] = [];
  private next = 0;
  private readonly parser: TarParser;
  private readonly input: AsyncIterator<Buffer>;
  private exhausted = false;
  private bytes = 0;

  /**
   * @param chunks the archive's bytes (already decompressed); chunks may be views into reused buffers
   * @param label names the archive in errors, e.g. `standard input` or a path
   * @param what names the format in errors, e.g. `tar archive` or `gzip-compressed tar archive`
   */
  constructor(
    chunks: AsyncIterable<Buffer>,
    private readonly label: string,
    private readonly what = 'tar archive',
  ) {
    this.input = chunks[Symbol.asyncIterator]();
    const sink: TarSink = {
      write: (data) => {
        this.events.push({ kind: 'data', data });
        return true;
      },
      end: () => {
        this.events.push({ kind: 'end' });
      },
    };
    this.parser = new TarParser({
      entry: (entry) => {
        this.events.push({ kind: 'member', entry });
        return sink;
      },
    });
  }

  /** Uncompressed bytes read so far. */
  get bytesRead(): number {
    return this.bytes;
  }

  /** The members, in archive order, up to the end-of-archive marker. */
  async *members(): AsyncGenerator<StreamedMember> {
    for (;;) {
      const event = await this.pull();
      if (event === undefined) return;
      // Data of a member its reader left unread.
      if (event.kind !== 'member') continue;
      yield { ...event.entry, body: this.body() };
    }
  }

  /**
   * Reads what follows the end-of-archive marker (writers pad archives to whole records) up to
   * `limit` bytes, so a decompressor checks its trailer and the writer of a pipe is not cut off.
   * Returns true when the input ended within the limit.
   */
  async drain(limit: number): Promise<boolean> {
    let left = limit;
    while (!this.exhausted && left >= 0) {
      const chunk = await this.read();
      if (chunk === undefined) return true;
      left -= chunk.length;
    }
    return this.exhausted;
  }

  /** Stops reading: the input is told to let go of its resources (a decompressor, a file, a pipe). */
  async close(): Promise<void> {
    this.exhausted = true;
    await this.input.return?.();
  }

  private async *body(): AsyncGenerator<Buffer> {
    for (;;) {
      const event = await this.pull();
      if (event === undefined || event.kind === 'end') return;
      if (event.kind === 'member') {
        // A member without data of its own (a link, a directory): the next one is already here.
        this.next--;
        return;
      }
      yield event.data;
    }
  }

  /** The next event, reading and parsing more input as needed; undefined at the end of the archive. */
  private async pull(): Promise<Event | undefined> {
    while (this.next >= this.events.length) {
      this.events.length = 0;
      this.next = 0;
      if (this.parser.ended) return undefined;
      const chunk = await this.read();
      if (chunk === undefined) {
        try {
          this.parser.end();
        } catch (error) {
          throw this.corrupt((error as Error).message, error);
        }
        if (this.bytes === 0) throw this.corrupt('it is empty');
        // A clean cut between members: still cut short, as an index of the archive would find it.
        if (!this.parser.ended) throw this.corrupt(`it ends at byte ${this.bytes} without the end-of-archive marker`);
        return undefined;
      }
      try {
        this.parser.write(chunk);
      } catch (error) {
        throw this.corrupt((error as Error).message, error);
      }
    }
    return this.events[this.next++];
  }

  private async read(): Promise<Buffer | undefined> {
    if (this.exhausted) return undefined;
    let result: IteratorResult<Buffer>;
    try {
      result = await this.input.next();
    } catch (error) {
      // Aborts and unreadable inputs say so themselves; a decompressor's complaint is corruption.
      if (error instanceof SealkitError) throw error;
      throw this.corrupt((error as Error)?.message ?? String(error), error);
    }
    if (result.done === true) {
      this.exhausted = true;
      return undefined;
    }
    this.bytes += result.value.length;
    return result.value;
  }

  private corrupt(why: string, cause?: unknown): SourceError {
    return new SourceError('ARCHIVE_CORRUPT', `${this.label} is not a valid ${this.what}: ${why}`, {
      ...(cause !== undefined ? { cause } : {}),
      details: { path: this.label },
    });
  }
}
