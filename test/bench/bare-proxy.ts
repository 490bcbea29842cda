// The practical floor for the benchmark: a bare Node pass-through proxy (node:http + undici) with no key check,
// routing or telemetry. It forwards any path to the upstream's origin; a request body is read whole (it is small)
// and a response is passed on whole, or chunk by chunk when it is a stream of events, as the gateway does.
// Usage: bare-proxy <port> <upstream origin>.
import http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'undici';

const [, , portArg, upstreamOrigin] = process.argv;
const pool = new Pool(new URL(upstreamOrigin!).origin, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });

async function forward(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer | undefined): Promise<void> {
  const up = await pool.request({ path: req.url ?? '/', method: (req.method ?? 'GET') as 'GET', headers: { 'content-type': 'application/json' }, body });
  const type = String(up.headers['content-type'] ?? 'application/json');
  if (type.startsWith('text/event-stream')) {
    res.writeHead(up.statusCode, { 'content-type': type, 'cache-control': 'no-cache' });
    await pipeline(up.body, res);
    return;
  }
  const whole = Buffer.from(await up.body.arrayBuffer());
  res.writeHead(up.statusCode, { 'content-type': type, 'content-length': whole.length });
  res.end(whole);
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    forward(req, res, chunks.length ? Buffer.concat(chunks) : undefined).catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(portArg), '127.0.0.1', () => process.stdout.write('ready\n'));
