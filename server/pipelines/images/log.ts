// A build's log: every line handed on as it comes (the run page's live log), the last 200 KB kept for the record
// and written to it every few seconds, so a build in progress can be read from its row too.
export const MAX_BUILD_LOG_BYTES = 200 * 1024;
/** Lines handed on live (each is a write to the run's step); the rest stay in the build's own log. */
export const MAX_LIVE_LINES = 2000;
const FLUSH_MS = 2000;

export class BuildLog {
  private buffer = '';
  private partial = '';
  private last = 0;
  private pending: Promise<void> = Promise.resolve();
  private liveLines = 0;

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
    this.liveLines++;
    if (this.liveLines <= MAX_LIVE_LINES) this.live?.(clean);
    else if (this.liveLines === MAX_LIVE_LINES + 1) this.live?.(`… more output: see the build's log (slipway images show, or the model version's page)`);
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
