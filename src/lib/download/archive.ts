/**
 * Unpacks the archive formats datasets ship in, told apart by their first
 * bytes (not the extension): zip (yauzl), tar / tar.gz (tar), and RAR, which
 * no npm package unpacks well: it needs `unrar` or `bsdtar` on PATH. Nothing
 * is written outside the destination: not by `../` names, nor through a
 * symbolic link already in it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';

import * as tar from 'tar';
import * as yauzl from 'yauzl';

export type ArchiveFormat = 'zip' | 'tar' | 'tar.gz' | 'rar';

/** The archive is damaged, unsupported, or needs a missing tool; the message names the file and the fix. */
export class ArchiveError extends Error {
  override name = 'ArchiveError';
}

/** The format from the file's magic bytes, or undefined when it is not an archive. */
export function detectArchive(file: string): ArchiveFormat | undefined {
  const head = Buffer.alloc(265);
  const fd = fs.openSync(file, 'r');
  let read: number;
  try {
    read = fs.readSync(fd, head, 0, head.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (read >= 4 && head.readUInt32BE(0) === 0x504b0304) return 'zip';
  if (read >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'tar.gz';
  if (read >= 7 && head.subarray(0, 7).toString('latin1') === 'Rar!\x1a\x07\x00') return 'rar';
  if (read >= 8 && head.subarray(0, 8).toString('latin1') === 'Rar!\x1a\x07\x01\x00') return 'rar';
  if (read >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  return undefined;
}

/** `unrar` or `bsdtar` when one is on PATH (ACTLAB_UNRAR overrides), else undefined. */
export function findRarTool(): { tool: 'unrar' | 'bsdtar'; path: string } | undefined {
  const override = process.env.ACTLAB_UNRAR;
  const candidates: Array<['unrar' | 'bsdtar', string]> = override
    ? [[path.basename(override).includes('bsdtar') ? 'bsdtar' : 'unrar', override]]
    : [
        ['unrar', 'unrar'],
        ['bsdtar', 'bsdtar'],
      ];
  for (const [tool, bin] of candidates) {
    const run = spawnSync(bin, tool === 'unrar' ? [] : ['--version'], { encoding: 'utf8', timeout: 10_000 });
    if (!run.error) return { tool, path: bin };
  }
  return undefined;
}

export const RAR_HELP =
  'RAR archives need an external tool: install unrar (Debian/Ubuntu: apt-get install unrar; macOS: brew install rar) ' +
  'or bsdtar (apt-get install libarchive-tools; built into macOS), or set ACTLAB_UNRAR=/path/to/unrar';

/** Unpacks `file` into `dest` (created); throws {@link ArchiveError} naming the file on damage. */
export async function extractArchive(file: string, dest: string): Promise<ArchiveFormat> {
  const format = detectArchive(file);
  if (!format)
    throw new ArchiveError(`${file} is not a zip, tar, tar.gz or rar archive (first bytes do not match any)`);
  fs.mkdirSync(dest, { recursive: true });
  try {
    if (format === 'zip') await extractZip(file, dest);
    else if (format === 'rar') extractRar(file, dest);
    else await tar.extract({ file, cwd: dest, strict: true });
  } catch (error) {
    if (error instanceof ArchiveError) throw error;
    // tar refuses to write through a link already in `dest` (and replaces a link an entry is named like).
    const { code, symlink, entry } = error as { code?: string; symlink?: string; entry?: { path?: string } };
    if (code === 'TAR_SYMLINK_ERROR') throw throughLinkError(file, entry?.path ?? '?', symlink ?? '?');
    throw new ArchiveError(
      `${file}: the ${format} archive is damaged (${(error as Error).message}); ` +
        'delete it and re-run to download it again (pass its checksum to catch this before unpacking)',
    );
  }
  return format;
}

function extractRar(file: string, dest: string): void {
  const tool = findRarTool();
  if (!tool) throw new ArchiveError(`${file} is a RAR archive. ${RAR_HELP}`);
  const args = tool.tool === 'unrar' ? ['x', '-o+', '-idq', file, `${dest}${path.sep}`] : ['-xf', file, '-C', dest];
  const run = spawnSync(tool.path, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0)
    throw new Error(`${tool.tool} exited with ${run.status}: ${(run.stderr || run.stdout).trim().slice(0, 400)}`);
}

function extractZip(file: string, dest: string): Promise<void> {
  const root = path.resolve(dest);
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, strictFileNames: false, validateEntrySizes: true }, (error, zip) => {
      if (error || !zip) return reject(error ?? new Error('cannot open'));
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        const target = path.resolve(root, entry.fileName);
        if (target !== root && !target.startsWith(root + path.sep)) {
          zip.close();
          return reject(
            new ArchiveError(`${file}: entry "${entry.fileName}" would be written outside ${root}; refusing`),
          );
        }
        try {
          refuseLinks(file, root, entry.fileName, target);
        } catch (linkError) {
          zip.close();
          return reject(linkError);
        }
        if (entry.fileName.endsWith('/')) {
          fs.mkdirSync(target, { recursive: true });
          zip.readEntry();
          return;
        }
        fs.mkdirSync(path.dirname(target), { recursive: true });
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError ?? new Error(`cannot read ${entry.fileName}`));
          let out: fs.WriteStream;
          try {
            out = fs.createWriteStream(target, { fd: fs.openSync(target, WRITE_NO_FOLLOW) });
          } catch (openError) {
            stream.destroy();
            return reject(openError);
          }
          pipeline(stream, out).then(() => zip.readEntry(), reject);
        });
      });
      zip.readEntry();
    });
  });
}

/** Create or truncate, and fail rather than follow a link that appeared at the name after the check. */
const WRITE_NO_FOLLOW =
  fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | (fs.constants.O_NOFOLLOW ?? 0);

/**
 * What tar does, for zip: an entry whose path runs through a symbolic link
 * already in the destination (`link/x` with `link` → elsewhere) is refused, so
 * nothing is written outside it; a link at the entry's own name is removed,
 * and the entry takes its place instead of overwriting the file it points to.
 */
function refuseLinks(file: string, root: string, entryName: string, target: string): void {
  if (target === root) return;
  const parts = path.relative(root, target).split(path.sep);
  let current = root;
  for (const [index, part] of parts.entries()) {
    current = path.join(current, part);
    const stat = fs.lstatSync(current, { throwIfNoEntry: false });
    if (!stat) return; // nothing deeper exists: mkdir makes real folders from here
    if (!stat.isSymbolicLink()) continue;
    if (index < parts.length - 1) throw throughLinkError(file, entryName, current);
    fs.unlinkSync(current);
  }
}

function throughLinkError(file: string, entryName: string, link: string): ArchiveError {
  return new ArchiveError(
    `${file}: entry "${entryName}" would be written through the symbolic link ${link}; ` +
      'refusing: remove the link, or unpack into a folder without links',
  );
}
