/**
 * Opening serial ports through node-serialport. Real tty paths (and socat pseudo-terminals)
 * use the real bindings; `binding: 'mock'` selects @serialport/binding-mock for machines
 * without socat (the demo says so when it falls back).
 */
import { SerialPort, SerialPortMock } from 'serialport';
import type { SerialPortStream } from '@serialport/stream';

export type Parity = 'none' | 'even' | 'odd';

export interface SerialSettings {
  path: string;
  baudRate: number;
  dataBits?: 5 | 6 | 7 | 8;
  stopBits?: 1 | 2;
  parity?: Parity;
  /** 'native' (default): the OS serial driver; 'mock': @serialport/binding-mock. */
  binding?: 'native' | 'mock';
}

/** Opens a port and resolves once it is open; rejects with a message naming the path. */
export function openSerialPort(settings: SerialSettings): Promise<SerialPortStream> {
  return new Promise((resolve, reject) => {
    const Port = settings.binding === 'mock' ? SerialPortMock : SerialPort;
    const port: SerialPortStream = new Port({
      path: settings.path,
      baudRate: settings.baudRate,
      dataBits: settings.dataBits ?? 8,
      stopBits: settings.stopBits ?? 1,
      parity: settings.parity ?? 'none',
      autoOpen: false,
    });
    port.open((err) => {
      if (err) reject(new Error(`cannot open serial port ${settings.path}: ${err.message}`));
      else resolve(port);
    });
  });
}

export function closeSerialPort(port: SerialPortStream): Promise<void> {
  return new Promise((resolve) => {
    if (!port.isOpen) return resolve();
    port.close(() => resolve());
  });
}

export type { SerialPortStream };
/** The in-process mock binding: `SerialPortMock.binding.createPort(path)` makes a port the mock can open. */
export { SerialPortMock };
