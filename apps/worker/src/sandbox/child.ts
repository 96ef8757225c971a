// A training child process: for backends whose native binding keeps one process-global state (tfjs-node's
// `gBackend`, tfjs#8388) and for GPU backends, where only the end of a process is sure to hand back all of the
// device's memory. One job, then the worker kills it. It outlives neither its job nor its parent.
import { serveJob } from './job-body.ts';
import type { ProcessMessage, SandboxMessage } from './protocol.ts';

// A Ctrl-C reaches the whole process group: the worker handles it (asks us to stop, waits for the stop
// checkpoint), so the child must not die of it first.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
// The parent is gone (killed, crashed): nobody can record what we train.
process.on('disconnect', () => process.exit(1));

const send = (m: SandboxMessage) => {
  if (process.connected) process.send!(m);
};
const handlers: ((m: ProcessMessage) => void)[] = [];
process.on('message', (m: ProcessMessage) => {
  if (m.type === 'start') void serveJob({ post: send, onMessage: (h) => void handlers.push(h) }, m.start);
  else for (const h of handlers) h(m);
});
