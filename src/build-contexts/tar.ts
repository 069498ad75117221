import { lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * Build contexts as tarballs: the CLI packs a directory on the user's machine, the worker
 * unpacks an upload into a temp dir. POSIX ustar with PAX records for long names, as `tar`
 * (GNU and bsdtar) and buildah read it; written by hand so neither side needs a package.
 */

const block = 512;

/** One entry to write: a file's bytes, a directory, or a symbolic link. */
export type TarEntry =
  | { type: 'file'; path: string; data: Uint8Array; executable?: boolean }
  | { type: 'directory'; path: string }
  | { type: 'symlink'; path: string; target: string };

/** The entries as an uncompressed tar stream. Reproducible: owner 0, mtime 0, modes 0644/0755. */
export function writeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const path = entry.type === 'directory' ? `${entry.path.replace(/\/$/, '')}/` : entry.path;
    const linkname = entry.type === 'symlink' ? entry.target : '';
    // Names past ustar's fields go in a PAX extended header before the entry (POSIX.1-2001).
    const pax: string[] = [];
    if (Buffer.byteLength(path) > 100) pax.push(paxRecord('path', path));
    if (Buffer.byteLength(linkname) > 100) pax.push(paxRecord('linkpath', linkname));
    if (pax.length > 0) {
      const data = Buffer.from(pax.join(''));
      parts.push(header({ name: 'PaxHeader', type: 'x', size: data.length, mode: 0o644 }), padded(data));
    }
    const type = entry.type === 'file' ? '0' : entry.type === 'directory' ? '5' : '2';
    const size = entry.type === 'file' ? entry.data.length : 0;
    const mode = entry.type === 'file' ? (entry.executable ? 0o755 : 0o644) : entry.type === 'directory' ? 0o755 : 0o777;
    parts.push(header({ name: path, type, size, mode, linkname }));
    if (entry.type === 'file') parts.push(padded(Buffer.from(entry.data)));
  }
  parts.push(Buffer.alloc(block * 2));
  return Buffer.concat(parts);
}

function paxRecord(key: string, value: string): string {
  // "<length> <key>=<value>\n", the length counting its own digits.
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

function padded(data: Buffer): Buffer {
  const rest = data.length % block;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(block - rest)]);
}

function header({ name, type, size, mode, linkname = '' }: { name: string; type: string; size: number; mode: number; linkname?: string }): Buffer {
  const buffer = Buffer.alloc(block);
  const put = (text: string, offset: number, length: number) => buffer.write(text.slice(0, length), offset, length, 'utf8');
  const octal = (value: number, offset: number, length: number) => put(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length);
  put(truncated(name, 100), 0, 100);
  octal(mode, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(size, 124, 12);
  octal(0, 136, 12);
  put(type, 156, 1);
  put(truncated(linkname, 100), 157, 100);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  // The checksum is summed with its own field as spaces, then written as six digits, NUL, space.
  buffer.fill(0x20, 148, 156);
  const sum = buffer.reduce((total, byte) => total + byte, 0);
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return buffer;
}

// A name that does not fit is cut on a character boundary; the PAX record before it carries it whole.
function truncated(text: string, bytes: number): string {
  let out = text;
  while (Buffer.byteLength(out) > bytes) out = out.slice(0, -1);
  return out;
}

/** Directory names never packed: version-control data a build does not read. */
const skippedDirectories: ReadonlySet<string> = new Set(['.git']);

/**
 * The directory as a gzipped tarball, entries in a stable order with paths relative to it.
 * Symbolic links are kept as links (buildah follows them inside the context only); `.git` is
 * left out. What the Dockerfile ignores (.dockerignore) is buildah's to skip.
 */
export async function packDirectory(root: string): Promise<Buffer> {
  const entries: TarEntry[] = [];
  const walk = async (dir: string) => {
    for (const name of (await readdir(dir)).sort()) {
      const full = join(dir, name);
      const path = relative(root, full).split(sep).join('/');
      const stats = await lstat(full);
      if (stats.isDirectory()) {
        if (skippedDirectories.has(name)) continue;
        entries.push({ type: 'directory', path });
        await walk(full);
      } else if (stats.isSymbolicLink()) {
        entries.push({ type: 'symlink', path, target: await readlink(full) });
      } else if (stats.isFile()) {
        entries.push({ type: 'file', path, data: await readFile(full), executable: (stats.mode & 0o111) !== 0 });
      }
      // Sockets, FIFOs and devices have no place in a build context: skipped.
    }
  };
  await walk(root);
  return gzipSync(writeTar(entries));
}

/** A tarball refused: it would write outside its directory, or holds what a context may not. */
export class UnsafeTarError extends Error {
  override readonly name = 'UnsafeTar';
}

export interface ExtractOptions {
  /** The most bytes the entries may hold together (a gzip bomb stops here). @default 1 GiB */
  maxBytes?: number;
}

/**
 * Unpacks a tarball (gzipped or not) into `dest`, refusing — before anything is written — any
 * entry with an absolute path or a ".." part, hard links, devices and FIFOs, and symbolic links
 * that point outside `dest`. Links are made last, so no file is ever written through one.
 * Returns how many entries were unpacked.
 */
export async function extractTar(tarball: Uint8Array, dest: string, { maxBytes = 1024 ** 3 }: ExtractOptions = {}): Promise<number> {
  const isGzip = tarball[0] === 0x1f && tarball[1] === 0x8b;
  let data: Buffer;
  try {
    data = isGzip ? gunzipSync(tarball, { maxOutputLength: maxBytes + 64 * 1024 * 1024 }) : Buffer.from(tarball);
  } catch (error) {
    throw new UnsafeTarError(`the tarball cannot be read: ${(error as Error).message}`);
  }
  const entries = readTar(data, maxBytes);
  const root = resolve(dest);
  for (const entry of entries) {
    if (entry.type === 'symlink') {
      const target = resolve(dirname(join(root, entry.path)), entry.target);
      if (posix.isAbsolute(entry.target) || (target !== root && !target.startsWith(`${root}${sep}`))) {
        throw new UnsafeTarError(`${entry.path} links to ${entry.target}, outside the build context`);
      }
    }
  }
  for (const entry of entries) {
    const path = join(root, entry.path);
    if (entry.type === 'directory') await mkdir(path, { recursive: true });
    else if (entry.type === 'file') {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, entry.data, { mode: entry.executable ? 0o755 : 0o644 });
    }
  }
  for (const entry of entries) {
    if (entry.type !== 'symlink') continue;
    const path = join(root, entry.path);
    // Checked lexically above: true only while no directory on the way is itself a link (a -> . makes a/x -> .. leave).
    const parents = entry.path.split('/').slice(0, -1);
    for (let i = 1; i <= parents.length; i++) {
      const stats = await lstat(join(root, ...parents.slice(0, i))).catch(() => undefined);
      if (stats?.isSymbolicLink()) throw new UnsafeTarError(`${entry.path} is a link inside a linked directory, which could lead outside the build context`);
    }
    await mkdir(dirname(path), { recursive: true });
    await symlink(entry.target, path);
  }
  return entries.length;
}

/** The entries of an uncompressed tar stream, each path checked; throws UnsafeTarError. */
export function readTar(data: Buffer, maxBytes = Number.POSITIVE_INFINITY): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let total = 0;
  let pending: { path?: string; linkpath?: string } = {};
  while (offset + block <= data.length) {
    const head = data.subarray(offset, offset + block);
    if (head.every((byte) => byte === 0)) break;
    const text = (start: number, length: number) => {
      const field = head.subarray(start, start + length);
      const end = field.indexOf(0);
      return field.subarray(0, end === -1 ? length : end).toString('utf8');
    };
    const size = numberField(head.subarray(124, 136));
    const type = text(156, 1) || '0';
    const body = data.subarray(offset + block, offset + block + size);
    if (body.length < size) throw new UnsafeTarError('the tarball ends inside an entry (truncated upload?)');
    offset += block + Math.ceil(size / block) * block;
    if (type === 'x') {
      pending = { ...pending, ...paxRecords(body.toString('utf8')) };
      continue;
    }
    if (type === 'g') continue;
    // GNU tar's long names: the next entry's name (L) or link target (K) as data.
    if (type === 'L' || type === 'K') {
      const value = body.toString('utf8').replace(/\0+$/, '');
      pending = type === 'L' ? { ...pending, path: value } : { ...pending, linkpath: value };
      continue;
    }
    const prefix = text(345, 155);
    const raw = pending.path ?? (prefix && text(257, 5) === 'ustar' ? `${prefix}/${text(0, 100)}` : text(0, 100));
    const linkname = pending.linkpath ?? text(157, 100);
    pending = {};
    const path = safePath(raw);
    if (path === undefined) continue;
    total += size;
    if (total > maxBytes) throw new UnsafeTarError(`the build context unpacks to more than ${maxBytes} bytes`);
    const mode = numberField(head.subarray(100, 108));
    if (type === '0' || type === '7') entries.push({ type: 'file', path, data: Buffer.from(body), executable: (mode & 0o111) !== 0 });
    else if (type === '5') entries.push({ type: 'directory', path });
    else if (type === '2') entries.push({ type: 'symlink', path, target: linkname });
    else if (type === '1') throw new UnsafeTarError(`${path} is a hard link, which a build context may not hold; pack the file itself`);
    else throw new UnsafeTarError(`${path} is a device, FIFO or other special file (tar type ${JSON.stringify(type)}), which a build context may not hold`);
  }
  return entries;
}

/** The path relative to the context, or undefined for the context's own root ("./"). */
function safePath(raw: string): string | undefined {
  if (raw.startsWith('/') || /^[A-Za-z]:[\\/]/.test(raw)) throw new UnsafeTarError(`${raw} is an absolute path: a build context holds only paths inside it`);
  const parts = raw.replaceAll('\\', '/').split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw new UnsafeTarError(`${raw} has a ".." part: a build context holds only paths inside it`);
  return parts.length === 0 ? undefined : parts.join('/');
}

function numberField(field: Buffer): number {
  // Base-256 (GNU, for sizes past 8 GiB): a leading byte with the high bit set.
  if (field[0]! & 0x80) return field.subarray(1).reduce((value, byte) => value * 256 + byte, field[0]! & 0x7f);
  const text = field.toString('ascii').replace(/[\0 ]+/g, ' ').trim();
  return text === '' ? 0 : Number.parseInt(text, 8);
}

function paxRecords(text: string): { path?: string; linkpath?: string } {
  const records: { path?: string; linkpath?: string } = {};
  let rest = Buffer.from(text);
  while (rest.length > 0) {
    const space = rest.indexOf(0x20);
    const length = Number(rest.subarray(0, space).toString('ascii'));
    if (!Number.isInteger(length) || length <= 0) break;
    const record = rest.subarray(space + 1, length - 1).toString('utf8');
    const equals = record.indexOf('=');
    const key = record.slice(0, equals);
    if (key === 'path' || key === 'linkpath') records[key] = record.slice(equals + 1);
    rest = rest.subarray(length);
  }
  return records;
}
