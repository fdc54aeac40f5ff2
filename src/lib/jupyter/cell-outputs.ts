/**
 * Turns IOPub messages into nbformat 4 outputs the way nbclient does: streams
 * of the same name in a row become one, `clear_output(wait)` clears when the
 * next output comes, `update_display_data` replaces the data of every output
 * shown with that display id (tslab.newDisplay() works this way).
 */
import type { JupyterMessage } from './wire';

/** One nbformat 4 output (`stream`, `display_data`, `execute_result` or `error`). */
export interface NotebookOutput {
  output_type: string;
  [field: string]: unknown;
}

/** Outputs by display id, shared by every cell of one notebook run (an update may reach an earlier cell). */
export type DisplayRegistry = Map<string, NotebookOutput[]>;

/** Collects one cell's outputs into `outputs` (the cell's own array, so partial outputs stay on failure). */
export class OutputCollector {
  private clearBeforeNext = false;

  constructor(
    readonly outputs: NotebookOutput[],
    private readonly displays: DisplayRegistry,
  ) {}

  /** Applies one IOPub message of this cell; other message types are ignored. */
  handle(message: JupyterMessage): void {
    const content = message.content;
    switch (message.header.msg_type) {
      case 'clear_output':
        if (content.wait) this.clearBeforeNext = true;
        else this.outputs.length = 0;
        return;
      case 'update_display_data':
        updateDisplay(this.displays, content);
        return;
      case 'stream':
        this.add({ output_type: 'stream', name: content.name, text: String(content.text ?? '') });
        return;
      case 'display_data':
        this.add({ output_type: 'display_data', data: content.data ?? {}, metadata: content.metadata ?? {} });
        this.remember(content, this.outputs[this.outputs.length - 1]!);
        return;
      case 'execute_result':
        this.add({
          output_type: 'execute_result',
          data: content.data ?? {},
          metadata: content.metadata ?? {},
          execution_count: content.execution_count ?? null,
        });
        this.remember(content, this.outputs[this.outputs.length - 1]!);
        return;
      case 'error':
        this.add({
          output_type: 'error',
          ename: String(content.ename ?? ''),
          evalue: String(content.evalue ?? ''),
          traceback: (content.traceback as string[] | undefined) ?? [],
        });
        return;
    }
  }

  private add(output: NotebookOutput): void {
    if (this.clearBeforeNext) {
      this.outputs.length = 0;
      this.clearBeforeNext = false;
    }
    const last = this.outputs[this.outputs.length - 1];
    if (output.output_type === 'stream' && last?.output_type === 'stream' && last.name === output.name) {
      last.text = String(last.text) + String(output.text);
      return;
    }
    this.outputs.push(output);
  }

  private remember(content: Record<string, unknown>, output: NotebookOutput): void {
    const displayId = (content.transient as { display_id?: string } | undefined)?.display_id;
    if (!displayId) return;
    const shown = this.displays.get(displayId) ?? [];
    shown.push(output);
    this.displays.set(displayId, shown);
  }
}

/** Replaces data and metadata of every output shown under the message's display id. */
export function updateDisplay(displays: DisplayRegistry, content: Record<string, unknown>): void {
  const displayId = (content.transient as { display_id?: string } | undefined)?.display_id;
  for (const output of (displayId && displays.get(displayId)) || []) {
    output.data = content.data ?? {};
    output.metadata = content.metadata ?? {};
  }
}

/**
 * What a terminal would show of a stream: text before a carriage return on
 * the same line is overwritten, a backspace removes the character before it
 * (progress bars redraw this way; nbclient tidies streams alike).
 */
export function tidyStreamText(text: string): string {
  let tidy = text.replace(/[^\n]*\r(?=[^\n])/g, '');
  for (let previous = ''; previous !== tidy;) {
    previous = tidy;
    // eslint-disable-next-line no-control-regex -- the backspace is what is looked for
    tidy = tidy.replace(/[^\n\x08]\x08/g, '');
  }
  return tidy;
}
