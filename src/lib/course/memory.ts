/**
 * Resident memory of a process group (a kernel and what its cells started:
 * ffmpeg, worker threads live in the kernel itself), read from /proc. Where
 * there is no /proc the answer is 0 and the limit is not enforced.
 */
import * as fs from 'node:fs';

const PAGE_BYTES = 4096;

/** Bytes resident in the processes whose process group is `pgid`. */
export function groupMemoryBytes(pgid: number): number {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return 0;
  }
  let pages = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (in parentheses, which may hold spaces): state ppid pgrp …
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      pages += Number(fs.readFileSync(`/proc/${entry}/statm`, 'utf8').split(' ')[1]);
    } catch {
      // the process ended meanwhile
    }
  }
  return pages * PAGE_BYTES;
}
