/**
 * The Jupyter messaging wire format (protocol 5.3): a message travels as ZeroMQ
 * frames `[...routing ids, "<IDS|MSG>", signature, header, parent_header,
 * metadata, content, ...buffers]`, the signature being the hex HMAC-SHA256 of
 * the four JSON frames under the connection file's key.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

export const DELIMITER = '<IDS|MSG>';
export const PROTOCOL_VERSION = '5.3';

export interface MessageHeader {
  readonly msg_id: string;
  readonly session: string;
  readonly username: string;
  readonly date: string;
  readonly msg_type: string;
  readonly version: string;
}

export interface JupyterMessage {
  readonly header: MessageHeader;
  readonly parent_header: Partial<MessageHeader>;
  readonly metadata: Record<string, unknown>;
  readonly content: Record<string, unknown>;
}

/** A message from the kernel whose signature does not match the key (or that is not a message at all). */
export class WireError extends Error {
  override name = 'WireError';
}

/** A new message of `msgType` in `session`. */
export function newMessage(msgType: string, content: Record<string, unknown>, session: string): JupyterMessage {
  return {
    header: {
      msg_id: randomUUID(),
      session,
      username: 'actlab',
      date: new Date().toISOString(),
      msg_type: msgType,
      version: PROTOCOL_VERSION,
    },
    parent_header: {},
    metadata: {},
    content,
  };
}

function sign(key: string, parts: readonly (string | Buffer)[]): string {
  const hmac = createHmac('sha256', key);
  for (const part of parts) hmac.update(part);
  return hmac.digest('hex');
}

/** The frames to send for `message` (no routing ids: a DEALER socket needs none). */
export function encodeMessage(message: JupyterMessage, key: string): string[] {
  const parts = [message.header, message.parent_header, message.metadata, message.content].map((p) =>
    JSON.stringify(p),
  );
  return [DELIMITER, sign(key, parts), ...parts];
}

/** Parses received frames, skipping routing ids (IOPub sends the topic or ids first); verifies the signature. */
export function decodeMessage(frames: readonly Buffer[], key: string): JupyterMessage {
  const at = frames.findIndex((frame) => frame.toString('latin1') === DELIMITER);
  if (at < 0 || frames.length < at + 6) throw new WireError('a kernel message without the <IDS|MSG> frames');
  const signature = frames[at + 1]!.toString('latin1');
  const parts = frames.slice(at + 2, at + 6);
  const expected = sign(key, parts);
  if (signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
    throw new WireError('a kernel message with a wrong HMAC signature (not from the kernel this run started?)');
  }
  const [header, parent, metadata, content] = parts.map((p) => JSON.parse(p.toString('utf8')) as unknown);
  return {
    header: header as MessageHeader,
    parent_header: (parent ?? {}) as Partial<MessageHeader>,
    metadata: (metadata ?? {}) as Record<string, unknown>,
    content: (content ?? {}) as Record<string, unknown>,
  };
}
