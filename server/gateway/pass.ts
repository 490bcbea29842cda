// Passing one HTTP request to another process of this deployment over loopback, streamed both ways: a gateway
// worker passes the console requests of its keep-alive connections to the main process, and the main process
// passes the gateway requests of its own connections to a worker.
import http from 'node:http';
import { logger } from '@/server/logger';

/** Headers of one connection, not of the request: each side sets its own. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

const log = logger.child({ part: 'gateway-pass' });

export function passRequest(req: http.IncomingMessage, res: http.ServerResponse, to: { port: number; agent: http.Agent; extraHeaders?: Record<string, string> }): void {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name)) headers[name] = value;
  Object.assign(headers, to.extraHeaders);
  const upstream = http.request({ host: '127.0.0.1', port: to.port, method: req.method, path: req.url, headers, agent: to.agent }, (answer) => {
    for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) res.setHeader(name, value);
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage);
    answer.pipe(res);
  });
  upstream.on('error', (err) => {
    log.warn({ err, url: req.url }, 'could not pass a request to another Slipway process');
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end('Slipway could not answer this request; try again.\n');
    else res.destroy();
  });
  // A caller that goes away cancels the passed request (and so the upstream model call behind it).
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}
