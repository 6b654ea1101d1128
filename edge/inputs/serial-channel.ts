/**
 * A serial port that stays open: wraps openSerialPort with the error handling every serial
 * input needs. An unplugged USB adapter closes the port; the channel reports it and reopens
 * the same path every `reopenDelayMs` until it is back or the input stops. Errors are logged,
 * never thrown at the event loop (an 'error' event without a listener would end the process).
 */
import type { Logger } from '../../common/log.js';
import { errorMessage } from '../../common/errors.js';
import { closeSerialPort, openSerialPort, type SerialPortStream, type SerialSettings } from '../serial/port.js';

export interface SerialChannelHooks {
  /** Bytes as they arrive. */
  onData(chunk: Buffer): void;
  /** The port closed without being asked to (adapter unplugged, device reset). */
  onLost(reason: string): void;
  /** The port is open again after a loss. */
  onRestored(): void;
}

export class SerialChannel {
  private port?: SerialPortStream;
  private stopped = false;
  private reopenTimer?: NodeJS.Timeout;

  constructor(
    readonly settings: SerialSettings,
    private readonly hooks: SerialChannelHooks,
    private readonly logger: Logger,
    private readonly reopenDelayMs = 2000,
  ) {}

  /** First open: rejects with a message naming the path when the port cannot be opened. */
  async open(): Promise<void> {
    this.port = this.attach(await openSerialPort(this.settings));
  }

  get isOpen(): boolean {
    return this.port?.isOpen === true;
  }

  /** Writes and waits until the bytes are handed to the OS driver. */
  write(bytes: Buffer): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) return Promise.reject(new Error(`serial port ${this.settings.path} is not open`));
    return new Promise((resolve, reject) => {
      port.write(bytes, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Discards bytes the OS received but nobody read yet (tcflush); best effort. */
  flushInput(): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) return Promise.resolve();
    return new Promise((resolve) => port.flush(() => resolve()));
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.reopenTimer) clearTimeout(this.reopenTimer);
    this.reopenTimer = undefined;
    const port = this.port;
    this.port = undefined;
    if (port) {
      port.removeAllListeners('data');
      await closeSerialPort(port);
    }
  }

  private attach(port: SerialPortStream): SerialPortStream {
    port.on('data', (chunk: Buffer) => this.hooks.onData(chunk));
    port.on('error', (err: Error) => this.logger.error({ port: this.settings.path, err: err.message }, 'serial port error'));
    port.on('close', (err?: Error | null) => {
      if (this.stopped || this.port !== port) return;
      this.port = undefined;
      this.hooks.onLost(err ? err.message : 'port closed');
      this.scheduleReopen();
    });
    return port;
  }

  private scheduleReopen(): void {
    if (this.stopped || this.reopenTimer) return;
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      openSerialPort(this.settings).then(
        (port) => {
          if (this.stopped) {
            void closeSerialPort(port);
            return;
          }
          this.port = this.attach(port);
          this.logger.info({ port: this.settings.path }, 'serial port reopened');
          this.hooks.onRestored();
        },
        (err: unknown) => {
          this.logger.debug({ port: this.settings.path, err: errorMessage(err) }, 'serial port still unavailable');
          this.scheduleReopen();
        },
      );
    }, this.reopenDelayMs);
  }
}
