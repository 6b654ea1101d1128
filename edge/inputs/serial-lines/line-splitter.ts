/**
 * Splits a serial byte stream into text lines at \n, dropping a trailing \r (Arduino's
 * Serial.println ends lines with \r\n). Unlike an unbounded delimiter parser, a line longer than
 * `maxLineBytes` (noise or a wrong baud rate rarely produce \n) is discarded up to its next \n
 * and reported, so garbage cannot grow memory.
 */

export interface LineSink {
  line(text: string): void;
  /** A line exceeded the limit and was discarded. */
  overlong(bytes: number): void;
}

export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private discarding = false;
  private discarded = 0;

  constructor(
    private readonly sink: LineSink,
    private readonly maxLineBytes = 512,
  ) {}

  push(chunk: Buffer): void {
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, from);
      const piece = chunk.subarray(from, nl === -1 ? chunk.length : nl);
      this.append(piece);
      if (nl === -1) return;
      this.endLine();
      from = nl + 1;
    }
  }

  /** Forgets a partial line (the port was lost; what follows is not its continuation). */
  reset(): void {
    this.parts = [];
    this.size = 0;
    this.discarding = false;
    this.discarded = 0;
  }

  private append(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.discarding) {
      this.discarded += piece.length;
      return;
    }
    if (this.size + piece.length > this.maxLineBytes) {
      this.discarding = true;
      this.discarded = this.size + piece.length;
      this.parts = [];
      this.size = 0;
      return;
    }
    this.parts.push(piece);
    this.size += piece.length;
  }

  private endLine(): void {
    if (this.discarding) {
      const bytes = this.discarded;
      this.reset();
      this.sink.overlong(bytes);
      return;
    }
    // Split at the byte 0x0A first, then decode: UTF-8 never uses 0x0A inside a character.
    let text = Buffer.concat(this.parts, this.size).toString('utf8');
    this.reset();
    if (text.endsWith('\r')) text = text.slice(0, -1);
    this.sink.line(text);
  }
}
