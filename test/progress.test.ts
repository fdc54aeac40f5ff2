/** The progress bar's terminal form, and the bar that appears only when there is work to show. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createProgressBar } from '../src/lib/notebook/progress';

/** A non-terminal stream that keeps what was written. */
function recorder(): { stream: NodeJS.WriteStream; text: () => string } {
  const writes: string[] = [];
  const stream = { isTTY: false, write: (chunk: string) => writes.push(chunk) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, text: () => writes.join('') };
}

describe('createProgressBar', () => {
  it('off a terminal: a line every 10%, the last one at 100%', () => {
    const out = recorder();
    const bar = createProgressBar('extract', { stream: out.stream });
    for (let done = 0; done <= 64; done += 8) bar.update(done, 64);
    bar.finish();
    const lines = out.text().trim().split('\n');
    assert.match(lines[0]!, /^extract 0\/64 0%/);
    assert.match(lines.at(-1)!, /^extract 64\/64 100%/);
  });

  it('onlyForWork: nothing for work already done, the usual bar once there is some', () => {
    const done = recorder();
    const idle = createProgressBar('extract', { stream: done.stream, onlyForWork: true });
    idle.update(64, 64);
    idle.finish();
    assert.equal(done.text(), '');
    const work = recorder();
    const busy = createProgressBar('extract', { stream: work.stream, onlyForWork: true });
    busy.update(3, 64);
    busy.update(64, 64);
    busy.finish();
    assert.match(work.text(), /^extract 3\/64 5%.*\nextract 64\/64 100%/s);
  });
});
