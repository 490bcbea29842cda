// The practical floor for the benchmark: a bare Node pass-through proxy (node:http + undici) with no key check,
// routing or telemetry. It forwards any path to the upstream's origin and streams both bodies through, so
// streamed answers reach the client chunk by chunk as they do through the gateway. Usage: bare-proxy <port> <upstream origin>.
import http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'undici';

const [, , portArg, upstreamOrigin] = process.argv;
const pool = new Pool(new URL(upstreamOrigin!).origin, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });

const server = http.createServer((req, res) => {
  const headers: Record<string, string> = {};
  if (req.headers['content-type']) headers['content-type'] = req.headers['content-type'];
  pool
    .request({ path: req.url ?? '/', method: (req.method ?? 'GET') as 'GET', headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : req })
    .then(async (up) => {
      const out: Record<string, string> = {};
      for (const name of ['content-type', 'content-length', 'cache-control']) {
        const v = up.headers[name];
        if (typeof v === 'string') out[name] = v;
      }
      res.writeHead(up.statusCode, out);
      await pipeline(up.body, res);
    })
    .catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(portArg), '127.0.0.1', () => process.stdout.write('ready\n'));
