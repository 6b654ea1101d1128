import { describe, expect, it } from 'vitest';
import { idFrom, SensorMap } from './sensor-map.js';

const map = new SensorMap([
  { match: 'truck-front', id: 'aqara-1', location: 'truck-7-front' },
  { match: 'cold-room/SHT3X-0x45', id: 'cr-sht', location: 'cold-room' },
  { match: 'cold-room', id: 'cr', location: 'cold-room' },
  { match: 'tele/reefer/SENSOR', id: 'reefer', location: 'reefer-12' },
]);

describe('SensorMap', () => {
  it('matches a device name', () => {
    expect(map.resolve({ device: 'truck-front', topic: 'zigbee2mqtt/truck-front' })).toEqual({ id: 'aqara-1', location: 'truck-7-front' });
  });

  it('prefers the exact device/channel key, then the device with the channel appended', () => {
    expect(map.resolve({ device: 'cold-room', channel: 'SHT3X-0x45', topic: 'tele/cold-room/SENSOR' })).toEqual({ id: 'cr-sht', location: 'cold-room' });
    expect(map.resolve({ device: 'cold-room', channel: 'DS18B20-1', topic: 'tele/cold-room/SENSOR' })).toEqual({ id: 'cr/DS18B20-1', location: 'cold-room' });
  });

  it('matches a full topic', () => {
    expect(map.resolve({ device: 'reefer', channel: 'AM2301', topic: 'tele/reefer/SENSOR' })).toEqual({ id: 'reefer/AM2301', location: 'reefer-12' });
  });

  it('refuses unmapped devices unless a default location is set', () => {
    expect(map.resolve({ device: 'stranger', topic: 'zigbee2mqtt/stranger' })).toBeUndefined();
    const lenient = new SensorMap([], 'dock');
    expect(lenient.resolve({ device: 'Küche "A"', topic: 'zigbee2mqtt/Küche "A"' })).toEqual({ id: 'K_che _A_', location: 'dock' });
  });

  it('makes valid ids from any name', () => {
    expect(idFrom('a\\b')).toBe('a_b');
    expect(idFrom('x'.repeat(200))).toHaveLength(128);
  });
});
