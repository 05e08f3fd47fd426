// Let the event loop run: replies from encoder threads and file writers arrive as messages,
// and a thread that only decodes and encodes synchronously would never see them.

export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  // Browsers: a message is delivered as a task without setTimeout's 4 ms clamp.
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}
