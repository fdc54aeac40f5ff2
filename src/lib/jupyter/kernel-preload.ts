/**
 * Loaded (`node --require`) before tslab in the actlab kernel. tslab sends one
 * IOPub message per write to stdout without waiting for the previous send;
 * zeromq.js refuses a send while one is in progress (EBUSY) and its publisher
 * drops messages beyond 1000 queued, so a cell that printed a thousand lines
 * at once lost most of them, and often the idle status that ends the cell.
 * Here tslab's publisher sends in order, one after the other, with no limit
 * (the grader caps a cell's output itself).
 */
import zmq = require('zeromq');

const lastSend = new WeakMap<object, Promise<void>>();

class OrderedPublisher extends zmq.Publisher {
  constructor(options: ConstructorParameters<typeof zmq.Publisher>[0] = {}) {
    super({ sendHighWaterMark: 0, ...options });
  }

  override send(message: Parameters<zmq.Publisher['send']>[0]): Promise<void> {
    // A socket object is not extensible: the queue of each lives in a WeakMap.
    const sent = (lastSend.get(this) ?? Promise.resolve()).then(() => super.send(message));
    lastSend.set(
      this,
      sent.catch(() => undefined),
    );
    return sent;
  }
}

// tslab loads zeromq when its kernel starts and reads `Publisher` then.
(zmq as { Publisher: typeof zmq.Publisher }).Publisher = OrderedPublisher;
