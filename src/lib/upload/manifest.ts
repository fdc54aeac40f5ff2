/**
 * A local append-only record of finished transfers (JSON lines), so a
 * re-run knows what is done without re-hashing or re-sending. A line is
 * appended only after the object is complete; a torn last line from a
 * killed run is ignored.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ManifestEntry {
  /** S3 key. */
  readonly key: string;
  readonly size: number;
  /** SHA-256 (hex) of the object's bytes. */
  readonly sha256: string;
  /** Local file modification time when it was hashed (uploads), to reuse the hash. */
  readonly mtimeMs?: number;
  /** S3 ETag when known (downloads). */
  readonly etag?: string;
  /** For packed tar shards on upload: the member list's fingerprint, so a re-run need not re-pack. */
  readonly fingerprint?: string;
  /** For packed tar shards on download: already unpacked into the folder. */
  readonly unpacked?: boolean;
  /** For packed tar shards on download: the files they unpacked (relative paths), checked on a re-run. */
  readonly members?: readonly string[];
}

export interface TransferManifest {
  readonly file: string;
  get(key: string): ManifestEntry | undefined;
  /** Records a finished object (appended and flushed immediately). */
  add(entry: ManifestEntry): void;
}

/** Opens (or starts) the manifest at `file`; later lines for a key win. */
export function openManifest(file: string): TransferManifest {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const entries = new Map<string, ManifestEntry>();
  if (fs.existsSync(file)) {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const entry = JSON.parse(line) as ManifestEntry;
        if (typeof entry.key === 'string') entries.set(entry.key, entry);
      } catch {
        // a line torn by a killed run: that object is simply not recorded
      }
    }
  }
  return {
    file,
    get: (key) => entries.get(key),
    add(entry) {
      entries.set(entry.key, entry);
      fs.appendFileSync(file, `${JSON.stringify(entry)}\n`);
    },
  };
}
