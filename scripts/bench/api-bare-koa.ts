import Koa from 'koa';

/*
 * The API benchmark's reference: a bare Koa app answering a constant, in a process of its own like the real API,
 * so "at least 40% of a bare endpoint's requests/s" compares the two on the same machine in the same run. Driven
 * over IPC: it sends `{ ready, port }` once listening, and exits on `stop` or when the parent goes away.
 */
const app = new Koa();
app.use((ctx) => {
  ctx.body = { ok: true };
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ ready: true, port: typeof address === 'object' && address ? address.port : 0 });
});
const stop = () => server.close(() => process.exit(0));
process.on('message', (message) => {
  if (message === 'stop') stop();
});
process.on('disconnect', stop);
