// The gateway's entry point: a plain Node HTTP handler for /gw/<service>/<environment>/v1/*, served beside
// Next.js by the same server because it sits on the request path of every model call. Errors use the
// OpenAI error format so OpenAI clients report them properly. No service has a routing table yet, so every
// path is answered as not found; routing arrives with the gateway work.
import type { IncomingMessage, ServerResponse } from 'node:http';

export function sendOpenAIError(res: ServerResponse, status: number, code: string, message: string, type = 'invalid_request_error'): void {
  const body = JSON.stringify({ error: { message, type, param: null, code } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function createGatewayHandler() {
  return function gateway(req: IncomingMessage, res: ServerResponse): void {
    const [, , service, environment] = (req.url ?? '').split('?')[0]!.split('/');
    if (!service || !environment) {
      sendOpenAIError(res, 404, 'not_found', 'Gateway paths look like /gw/<service>/<environment>/v1/chat/completions');
      return;
    }
    sendOpenAIError(res, 404, 'service_not_found', `No routing table for service "${decodeURIComponent(service)}" in environment "${decodeURIComponent(environment)}"`);
  };
}
