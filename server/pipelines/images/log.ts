// A build's log: every line handed on as it comes (the run page's live log), the last 200 KB kept for the record
// and written to it every few seconds, so a build in progress can be read from its row too.
export const MAX_BUILD_LOG_BYTES = 200 * 1024;
const FLUSH_MS = 2000;

export class BuildLog {
  private buffer = '';
  private partial = '';
  private last = 0;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly live: ((line: string) => void) | undefined,
    private readonly save: (text: string) => Promise<void>,
  ) {}

  /** A whole line. */
  line(line: string): void {
    const clean = line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '').trimEnd();
    if (!clean) return;
    this.buffer += `${clean}\n`;
    if (this.buffer.length > MAX_BUILD_LOG_BYTES) this.buffer = `…\n${this.buffer.slice(this.buffer.length - MAX_BUILD_LOG_BYTES)}`;
    this.live?.(clean);
    if (Date.now() - this.last > FLUSH_MS) void this.flush();
  }

  /** Output that may hold several lines or a part of one (the engine's `stream`). */
  text(chunk: string): void {
    const all = this.partial + chunk;
    const lines = all.split('\n');
    this.partial = lines.pop() ?? '';
    for (const l of lines) this.line(l);
  }

  /** Everything kept so far, a trailing partial line included. */
  contents(): string {
    return this.partial ? `${this.buffer}${this.partial}\n` : this.buffer;
  }

  flush(): Promise<void> {
    this.last = Date.now();
    const text = this.contents();
    this.pending = this.pending.then(() => this.save(text)).catch(() => undefined);
    return this.pending;
  }
}
