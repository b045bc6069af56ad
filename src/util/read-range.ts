import type { FileHandle } from 'node:fs/promises';

const DEFAULT_CHUNK = 1024 * 1024;

/**
 * Reads `size` bytes of `handle` from `offset` as chunks that are views into two reused buffers,
 * so a file of any size is read with the memory of two chunks and no garbage. Each chunk is valid
 * until the next is requested; the next read runs while the consumer works on the current one.
 */
export async function* readRange(handle: FileHandle, offset: number, size: number, chunkSize = DEFAULT_CHUNK): AsyncGenerator<Buffer> {
  const buffers = [Buffer.allocUnsafe(chunkSize), Buffer.allocUnsafe(chunkSize)];
  let position = offset;
  const end = offset + size;
  const start = (buffer: Buffer) => {
    const length = Math.min(chunkSize, end - position);
    const read = length > 0 ? handle.read(buffer, 0, length, position) : Promise.resolve({ bytesRead: 0, buffer });
    position += length;
    return read;
  };
  let turn = 0;
  let pending = start(buffers[0] as Buffer);
  try {
    for (;;) {
      const { bytesRead, buffer } = await pending;
      if (bytesRead === 0) return;
      turn ^= 1;
      pending = start(buffers[turn] as Buffer);
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    // A consumer that stops early must not leave a read running against a handle about to close.
    await pending.catch(() => undefined);
  }
}
