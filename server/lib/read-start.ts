// Reading only the start of an HTTP answer: webhooks keep a short excerpt of what they were told, never the rest.
import type { Response } from 'undici';

/** The first `max` bytes of a body as text; the rest is never read. */
export async function readStart(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    // A body cut off midway keeps what arrived.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, max));
}
