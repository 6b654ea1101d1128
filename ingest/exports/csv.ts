/**
 * RFC 4180 CSV cells and records, with the OWASP CSV-injection defence: the FSMA 204 export is
 * opened in spreadsheets, where a cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage
 * return may be read as a formula (https://owasp.org/www-community/attacks/CSV_Injection).
 */

/** Characters that make a spreadsheet treat a cell as a formula (OWASP CSV Injection). */
const FORMULA_START = /^[=+\-@\t\r]/;
/** RFC 4180 §2.6: fields containing a comma, a double quote or a line break are quoted. */
const NEEDS_QUOTES = /[",\r\n]/;

/** One field: a formula-like start gets a single quote in front, then RFC 4180 quoting
 * (§2.7: a double quote inside a quoted field is doubled). */
export function csvField(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One record ending in CRLF (RFC 4180 §2.1). */
export function csvRecord(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}
