/**
 * A file server on 127.0.0.1 for download tests: serves in-memory files,
 * honours `Range: bytes=N-`, can drop the connection half-way through a file
 * or stall (answer nothing, or stop sending, keeping it open), and logs every request.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as zlib from 'node:zlib';

export interface TestHttp {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Path → bytes served. */
  readonly files: Map<string, Buffer>;
  /** Paths whose next N responses stop after this many bytes (then the socket is destroyed). */
  readonly dropAfter: Map<string, { bytes: number; times: number }>;
  /** Paths whose next N responses stop after this many bytes of body (no headers at all for -1), the connection left open. */
  readonly stallAfter: Map<string, { bytes: number; times: number }>;
  /** Every request: path and Range header. */
  readonly log: Array<{ path: string; range?: string }>;
  close(): Promise<void>;
}

export async function startHttp(): Promise<TestHttp> {
  const files = new Map<string, Buffer>();
  const dropAfter = new Map<string, { bytes: number; times: number }>();
  const stallAfter = new Map<string, { bytes: number; times: number }>();
  const log: TestHttp['log'] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const range = req.headers.range;
    log.push({ path: url.pathname, range });
    const body = files.get(url.pathname);
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    const stall = stallAfter.get(url.pathname);
    if (stall && stall.times > 0 && stall.bytes < 0) {
      stall.times--;
      return; // never answers
    }
    let start = 0;
    const match = range ? /^bytes=(\d+)-$/.exec(range) : null;
    if (match) {
      start = Number(match[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, {
        'Content-Length': body.length - start,
        'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`,
        'Accept-Ranges': 'bytes',
      });
    } else {
      res.writeHead(200, { 'Content-Length': body.length, 'Accept-Ranges': 'bytes' });
    }
    if (stall && stall.times > 0) {
      stall.times--;
      res.write(body.subarray(start, start + stall.bytes));
      return;
    }
    const drop = dropAfter.get(url.pathname);
    if (drop && drop.times > 0) {
      drop.times--;
      res.write(body.subarray(start, start + drop.bytes), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(body.subarray(start));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    files,
    dropAfter,
    stallAfter,
    log,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A zip (stored, no compression) of `entries` (name → bytes; names ending in / are folders). */
export function makeZip(entries: ReadonlyArray<[string, Buffer]>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const centralDir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralDir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralDir, end]);
}
