/**
 * A Jupyter client in TypeScript: starts a kernel from its kernelspec argv
 * with a fresh connection file, talks to it over ZeroMQ (shell, control and
 * IOPub; see wire.ts) and executes code, collecting outputs as nbclient does.
 * Only Node is needed; Python's jupyter_client plays this part otherwise.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import * as zmq from 'zeromq';

import { type DisplayRegistry, type NotebookOutput, OutputCollector, updateDisplay } from './cell-outputs';
import { decodeMessage, encodeMessage, type JupyterMessage, newMessage, WireError } from './wire';

export interface KernelClientOptions {
  /** The kernelspec's argv; `{connection_file}` is replaced by the file this client writes. */
  readonly argv: readonly string[];
  /** Environment of the kernel process. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Working folder of the kernel (nbclient uses the notebook's folder). */
  readonly cwd?: string;
  /** How long the kernel may take to answer its first kernel_info_request. @default 120000 */
  readonly startupTimeoutMs?: number;
}

export interface ExecuteOptions {
  /** The cell's outputs array, filled as messages arrive (so it holds what came before a failure). */
  readonly outputs?: NotebookOutput[];
  /** Fails with {@link CellTimeoutError} after this long. @default no limit */
  readonly timeoutMs?: number;
  /** Fails with {@link OutputLimitError} once the cell's outputs pass this many bytes. @default no limit */
  readonly maxOutputBytes?: number;
  /** Let the kernel drop the requests queued after a failing one, as nbclient does. @default true */
  readonly stopOnError?: boolean;
}

export interface ExecuteReply {
  /** `ok`, `error` or `abort`, from the execute_reply. */
  readonly status: string;
  readonly executionCount: number | null;
  readonly outputs: NotebookOutput[];
  readonly content: Record<string, unknown>;
}

/** The kernel process ended on its own (a cell called process.exit, ran out of memory, was killed). */
export class KernelDiedError extends Error {
  override name = 'KernelDiedError';
  constructor(
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderrTail: string,
  ) {
    const how = signal ? `was killed by ${signal}` : `exited with code ${exitCode}`;
    const tail = stderrTail ? `; its last words on stderr:\n${stderrTail}` : '';
    super(`the kernel ${how}${tail}`);
  }
}

/** A cell ran longer than its timeout. */
export class CellTimeoutError extends Error {
  override name = 'CellTimeoutError';
  constructor(readonly seconds: number) {
    super(`the cell was still running after ${seconds} s (raise the limit with --cell-timeout)`);
  }
}

/** A cell printed more than its limit. */
export class OutputLimitError extends Error {
  override name = 'OutputLimitError';
  constructor(readonly bytes: number) {
    super(`the cell printed more than ${bytes} bytes of output`);
  }
}

/** Five free TCP ports on 127.0.0.1 (held open together so they differ, then released for the kernel). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

const STDERR_LINES_KEPT = 30;
/** How long outputs may trail the execute_reply before the cell counts as done. */
const IDLE_GRACE_MS = 5000;

export class KernelClient {
  private readonly session = randomUUID();
  private readonly shell = new zmq.Dealer({ linger: 0 });
  private readonly control = new zmq.Dealer({ linger: 0 });
  // No receive limit: tslab publishes one message per write, and a full queue drops messages (the idle status too).
  private readonly iopub = new zmq.Subscriber({ linger: 0, receiveHighWaterMark: 0 });
  private readonly shellWaiters = new Map<string, (message: JupyterMessage) => void>();
  private readonly iopubWaiters = new Map<string, (message: JupyterMessage) => void>();
  private readonly exitListeners = new Set<() => void>();
  private readonly stderrLines: string[] = [];
  /** Outputs by display id across the whole session (update_display_data may reach an earlier cell). */
  readonly displays: DisplayRegistry = new Map();
  /** Messages dropped for a bad signature (a test checks none are). */
  rejectedMessages = 0;
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private closed = false;
  /** kernel_info_reply content (language_info for the notebook's metadata). */
  kernelInfo: Record<string, unknown> = {};

  private constructor(
    private readonly child: ChildProcess,
    private readonly key: string,
    private readonly connectionDir: string,
    private readonly groupKill: boolean,
  ) {
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderrLines.push(...chunk.split('\n').filter((line) => line.trim() !== ''));
      this.stderrLines.splice(0, Math.max(0, this.stderrLines.length - STDERR_LINES_KEPT));
    });
    child.stdout?.resume(); // tslab writes nothing useful there; keep the pipe drained
    child.once('exit', (code, signal) => {
      this.exit = { code, signal };
      for (const listener of [...this.exitListeners]) listener();
    });
  }

  /** The kernel's process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** True once the kernel process has ended. */
  get exited(): boolean {
    return this.exit !== undefined;
  }

  /** Starts the kernel and waits until it answers a kernel_info_request (and IOPub is live). */
  static async start(options: KernelClientOptions): Promise<KernelClient> {
    const [shell, iopub, stdin, control, hb] = await freePorts(5);
    const key = randomBytes(32).toString('hex');
    const connectionDir = fs.mkdtempSync(path.join(os.tmpdir(), 'actlab-kernel-'));
    const connectionFile = path.join(connectionDir, 'connection.json');
    const connection = {
      ip: '127.0.0.1',
      transport: 'tcp',
      signature_scheme: 'hmac-sha256',
      key,
      shell_port: shell,
      iopub_port: iopub,
      stdin_port: stdin,
      control_port: control,
      hb_port: hb,
    };
    fs.writeFileSync(connectionFile, JSON.stringify(connection, null, 1), { mode: 0o600 });
    const [command, ...args] = options.argv.map((arg) => arg.split('{connection_file}').join(connectionFile));
    if (!command) throw new Error('the kernelspec argv is empty');
    // Its own process group, so stopping the kernel also stops what a cell started (ffmpeg, workers).
    const groupKill = process.platform !== 'win32';
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: groupKill,
    });
    const client = new KernelClient(child, key, connectionDir, groupKill);
    const spawnError = new Promise<never>((_, reject) =>
      child.once('error', (error) => reject(new Error(`could not start the kernel ${command}: ${error.message}`))),
    );
    try {
      client.connect(connection);
      await Promise.race([client.waitForReady(options.startupTimeoutMs ?? 120_000), spawnError]);
    } catch (error) {
      await client.shutdown();
      throw error;
    }
    return client;
  }

  private connect(ports: { shell_port: number; iopub_port: number; control_port: number }): void {
    this.shell.connect(`tcp://127.0.0.1:${ports.shell_port}`);
    this.control.connect(`tcp://127.0.0.1:${ports.control_port}`);
    this.iopub.connect(`tcp://127.0.0.1:${ports.iopub_port}`);
    this.iopub.subscribe();
    void this.pump(this.shell, (message) => this.shellWaiters.get(message.parent_header.msg_id ?? '')?.(message));
    void this.pump(this.control, (message) => this.shellWaiters.get(message.parent_header.msg_id ?? '')?.(message));
    void this.pump(this.iopub, (message) => {
      // An update may come from any cell and reach outputs of earlier ones.
      if (message.header.msg_type === 'update_display_data') updateDisplay(this.displays, message.content);
      this.iopubWaiters.get(message.parent_header.msg_id ?? '')?.(message);
    });
  }

  private async pump(socket: zmq.Dealer | zmq.Subscriber, route: (message: JupyterMessage) => void): Promise<void> {
    try {
      for await (const frames of socket) {
        let message: JupyterMessage;
        try {
          message = decodeMessage(frames, this.key);
        } catch (error) {
          if (!(error instanceof WireError) && !(error instanceof SyntaxError)) throw error;
          this.rejectedMessages += 1;
          continue;
        }
        route(message);
      }
    } catch (error) {
      if (!this.closed) throw error;
    }
  }

  private send(socket: zmq.Dealer, message: JupyterMessage): Promise<void> {
    return socket.send(encodeMessage(message, this.key));
  }

  /** The error for a kernel that has exited. */
  deathError(): KernelDiedError {
    return new KernelDiedError(this.exit?.code ?? null, this.exit?.signal ?? null, this.stderrLines.join('\n'));
  }

  /**
   * Sends kernel_info_request every second until a reply comes on shell and
   * its busy/idle status on IOPub (a subscription only receives once joined).
   */
  private async waitForReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const sent: string[] = [];
    let replied = false;
    let iopubLive = false;
    let tick = 0;
    const onReply = (message: JupyterMessage) => {
      replied = true;
      this.kernelInfo = message.content;
    };
    const onStatus = () => (iopubLive = true);
    try {
      while (!(replied && iopubLive)) {
        if (this.exit) throw this.deathError();
        if (Date.now() > deadline) {
          throw new Error(
            `the kernel did not answer within ${timeoutMs / 1000} s of starting` +
              (this.stderrLines.length ? `; its stderr:\n${this.stderrLines.join('\n')}` : ''),
          );
        }
        // Before the reply: one request a second. After it, until IOPub has joined: one every 500 ms.
        if (!replied || (tick += 1) % 5 === 0) {
          const request = newMessage('kernel_info_request', {}, this.session);
          sent.push(request.header.msg_id);
          this.shellWaiters.set(request.header.msg_id, onReply);
          this.iopubWaiters.set(request.header.msg_id, onStatus);
          await this.send(this.shell, request);
        }
        await new Promise((resolve) => setTimeout(resolve, replied ? 100 : 1000));
      }
    } finally {
      for (const id of sent) {
        this.shellWaiters.delete(id);
        this.iopubWaiters.delete(id);
      }
    }
  }

  /**
   * Executes `code`; resolves when the execute_reply has come and IOPub said
   * idle for it (so every output is in). Rejects with {@link KernelDiedError}
   * or {@link CellTimeoutError}.
   */
  execute(code: string, options: ExecuteOptions = {}): Promise<ExecuteReply> {
    if (this.exit) return Promise.reject(this.deathError());
    const content = { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false };
    const request = newMessage(
      'execute_request',
      { ...content, stop_on_error: options.stopOnError ?? true },
      this.session,
    );
    const id = request.header.msg_id;
    const collector = new OutputCollector(options.outputs ?? [], this.displays);
    return new Promise<ExecuteReply>((resolve, reject) => {
      let reply: Record<string, unknown> | undefined;
      let idle = false;
      let idleWait: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        clearTimeout(idleWait);
        this.shellWaiters.delete(id);
        this.iopubWaiters.delete(id);
        this.exitListeners.delete(onExit);
      };
      const finishIfComplete = () => {
        if (!reply || !idle) return;
        done();
        const count = typeof reply.execution_count === 'number' ? reply.execution_count : null;
        resolve({
          status: String(reply.status ?? 'ok'),
          executionCount: count,
          outputs: collector.outputs,
          content: reply,
        });
      };
      const onExit = () => {
        done();
        reject(this.deathError());
      };
      const timer = options.timeoutMs
        ? setTimeout(() => {
            done();
            reject(new CellTimeoutError(options.timeoutMs! / 1000));
          }, options.timeoutMs)
        : undefined;
      this.exitListeners.add(onExit);
      this.shellWaiters.set(id, (message) => {
        reply = message.content;
        finishIfComplete();
        // As nbclient's iopub_timeout: outputs still in flight get a few seconds, a lost idle status no more.
        idleWait ??= setTimeout(() => {
          idle = true;
          finishIfComplete();
        }, IDLE_GRACE_MS);
      });
      let outputBytes = 0;
      this.iopubWaiters.set(id, (message) => {
        if (message.header.msg_type === 'status') idle ||= message.content.execution_state === 'idle';
        else if (message.header.msg_type !== 'update_display_data') {
          outputBytes += JSON.stringify(message.content).length;
          if (options.maxOutputBytes !== undefined && outputBytes > options.maxOutputBytes) {
            done();
            reject(new OutputLimitError(options.maxOutputBytes));
            return;
          }
          collector.handle(message);
        }
        finishIfComplete();
      });
      this.send(this.shell, request).catch((error: unknown) => {
        done();
        reject(error);
      });
    });
  }

  /** Interrupts the running cell: SIGINT to the kernel (kernelspec interrupt_mode "signal"). */
  interrupt(): void {
    if (this.exit || this.child.pid === undefined) return;
    try {
      process.kill(this.child.pid, 'SIGINT');
    } catch {
      // it ended meanwhile
    }
  }

  private signalGroup(signal: NodeJS.Signals): void {
    if (this.exit || this.child.pid === undefined) return;
    try {
      if (this.groupKill) process.kill(-this.child.pid, signal);
      else this.child.kill(signal);
    } catch {
      // it ended meanwhile
    }
  }

  private waitForExit(ms: number): Promise<boolean> {
    if (this.exit) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.exitListeners.delete(onExit);
        resolve(false);
      }, ms);
      const onExit = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.exitListeners.add(onExit);
    });
  }

  /**
   * Asks the kernel to shut down (shutdown_request on control), then stops
   * its process group if it is still there after `graceMs` (SIGTERM, then
   * SIGKILL); closes the sockets and removes the connection file.
   */
  async shutdown(graceMs = 3000): Promise<void> {
    if (!this.exit && !this.closed) {
      const request = newMessage('shutdown_request', { restart: false }, this.session);
      await this.send(this.control, request).catch(() => undefined);
      if (!(await this.waitForExit(graceMs))) {
        this.signalGroup('SIGTERM');
        if (!(await this.waitForExit(2000))) {
          this.signalGroup('SIGKILL');
          await this.waitForExit(5000);
        }
      }
    }
    // Whatever a cell started in the kernel's group goes too, even when the kernel itself has exited.
    if (this.groupKill && this.child.pid !== undefined) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // nothing left in the group
      }
    }
    this.closed = true;
    for (const socket of [this.shell, this.control, this.iopub]) socket.close();
    fs.rmSync(this.connectionDir, { recursive: true, force: true });
  }
}
