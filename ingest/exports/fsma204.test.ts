/** CSV escaping (RFC 4180 + OWASP formula prefix), the documented header, and row expansion. */
import { describe, expect, it } from 'vitest';
import { commingledChain } from '../events/chain-fixtures.js';
import { parseCteRecord } from '../events/cte.js';
import { KDE_TABLE } from '../events/kdes.js';
import { csvField, csvRecord } from './csv.js';
import { FSMA204_COLUMNS, FSMA204_HEADER, rowsOf } from './fsma204.js';

/** The header of docs/events.md §10, in order. */
const DOCUMENTED_HEADER = [
  'Event ID', 'CTE', 'Traceability Lot Code (TLC)', 'Product Description', 'Quantity', 'Unit of Measure', 'Location',
  'Ship From Location', 'Ship To Location / Immediate Subsequent Recipient Location', 'Immediate Previous Source Location',
  'Event Date', 'Event Time', 'TLC Source', 'TLC Source Reference', 'Reference Document Type', 'Reference Document Number',
  'Commodity', 'Variety', 'Farm Location', 'Field or Growing Area Name', 'Harvest Date', 'Harvester Business Name',
  'Harvester Phone', 'Cooling Location', 'Cooling Date', 'Date Received', 'Quantity Received', 'Unit of Measure Received',
  'Traceability Lot Code (TLC) Assigned', 'Input Traceability Lot Code (TLC)', 'Input Product Description',
  'Input Quantity Used', 'Input Unit of Measure', 'Contact Name', 'Contact Phone', 'Contact Email', 'Missing KDEs', 'Record Format',
];

describe('FSMA 204 CSV', () => {
  it('quotes fields with a comma, a quote or a line break and doubles quotes (RFC 4180 §2.6–2.7)', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('Strawberries, 8 x 1 lb "clamshell"')).toBe('"Strawberries, 8 x 1 lb ""clamshell"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('')).toBe('');
    expect(csvRecord(['a', 'b,c', ''])).toBe('a,"b,c",\r\n');
  });

  it('prefixes a single quote to a cell starting with = + - @ tab or CR (OWASP CSV injection)', () => {
    expect(csvField('=HYPERLINK("http://evil","x")')).toBe('"\'=HYPERLINK(""http://evil"",""x"")"');
    expect(csvField('+1 831 555 0142')).toBe("'+1 831 555 0142");
    expect(csvField('-2')).toBe("'-2");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\tx')).toBe("'\tx");
    expect(csvField('\rx')).toBe('"\'\rx"');
    expect(csvField('a=b')).toBe('a=b');
  });

  it('has the documented header, whose KDE columns carry KDE_TABLE labels', () => {
    expect(FSMA204_HEADER).toEqual(DOCUMENTED_HEADER);
    const labels = new Set(Object.values(KDE_TABLE).flatMap((t) => Object.values(t).map((k) => k.label)));
    const own = new Set(['Event ID', 'CTE', 'Location', 'Event Date', 'Event Time', 'Reference Document Type', 'Reference Document Number', 'Contact Name', 'Contact Phone', 'Contact Email', 'Missing KDEs', 'Record Format']);
    for (const c of FSMA204_COLUMNS) for (const part of c.header.split(' / ')) if (!own.has(c.header)) expect(labels, part).toContain(part);
  });

  it('writes one row per lot, one per input of a transformation, and one for a record without a lot', () => {
    const events = commingledChain().map(parseCteRecord);
    const t = events.find((e) => e.cte === 'transformation')!;
    expect(rowsOf(t).map((r) => [r.lot?.tlc, r.input?.tlc])).toEqual(t.inputs.map((i) => [t.outputs[0]!.tlc, i.tlc]));
    expect(rowsOf(events.find((e) => e.cte === 'harvesting')!)).toHaveLength(1);
    expect(rowsOf(events.find((e) => e.cte === 'shipping')!)).toHaveLength(1);
  });
});
