/**
 * Writes a gzipped tar from in-memory files, byte-for-byte reproducible: fixed mtime,
 * uid/gid 0, no user names, files in the order given, gzip header without a timestamp.
 *
 * The image tag and Kaniko's cache depend on this; never add anything taken from the
 * machine (clock, owner, umask) to an entry.
 */
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';

export interface TarFile {
  path: string;
  data: Uint8Array;
  mode?: number;
}

/** 2000-01-01T00:00:00Z: fixed, and far from the zero date some tools mishandle. */
export const FIXED_MTIME = new Date(Date.UTC(2000, 0, 1));

export function tarGz(files: readonly TarFile[]): Uint8Array {
  const blocks: Buffer[] = [];
  for (const file of files) {
    const header = new Header({
      path: file.path,
      mode: file.mode ?? 0o644,
      uid: 0,
      gid: 0,
      uname: '',
      gname: '',
      size: file.data.byteLength,
      mtime: FIXED_MTIME,
      type: 'File',
    });
    const block = Buffer.alloc(512);
    if (header.encode(block, 0))
      throw new Error(`tar entry ${file.path} needs PAX headers; keep names short`);
    blocks.push(block, Buffer.from(file.data));
    const pad = (512 - (file.data.byteLength % 512)) % 512;
    if (pad > 0) blocks.push(Buffer.alloc(pad));
  }
  blocks.push(Buffer.alloc(1024));
  // zlib writes mtime 0 and a fixed OS byte, so equal input gives equal bytes.
  return new Uint8Array(gzipSync(Buffer.concat(blocks), { level: 9 }));
}
