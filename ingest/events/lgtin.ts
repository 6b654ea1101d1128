/**
 * Traceability lot codes from GS1 identifiers. Decision (docs/events.md §3): an EPCIS lot-level
 * class becomes the TLC exactly as given — `urn:epc:class:lgtin:0614141.107346.LOT2025A` or a
 * GS1 Digital Link URI with a lot (`https://id.gs1.org/01/09521234543213/10/LOT1`) — so the
 * EPCIS export writes the TLC back unchanged and nothing is lost or merged by normalization.
 * `lgtinParts` gives GTIN + lot (the Produce Traceability Initiative's TLC, AI 01 + AI 10) for
 * spreadsheet columns and for matching a URN against a Digital Link of the same lot.
 */

const LGTIN_URN = /^urn:epc:class:lgtin:(\d{6,12})\.(\d{1,7})\.(.+)$/;
/** Digital Link: any host, path /01/<14 digits>/.../10/<lot>. */
const DIGITAL_LINK_LOT = /^https?:\/\/[^/]+(?:\/.*)?\/01\/(\d{14})(?:\/.*)?\/10\/([^/?#]+)/;

/** Whether an epcClass names a lot (and so is a TLC). */
export function isLotClass(epcClass: string): boolean {
  return lgtinParts(epcClass) !== undefined;
}

/** GTIN-14 and lot of an LGTIN URN or a Digital Link with AI 10; undefined for other ids. */
export function lgtinParts(id: string): { gtin: string; lot: string } | undefined {
  const urn = LGTIN_URN.exec(id);
  if (urn) {
    const [, prefix, indicatorAndItem] = urn;
    // EPC Tag Data Standard §6.3.1: indicator digit first, then company prefix, then item ref.
    if (prefix!.length + indicatorAndItem!.length !== 13) return undefined;
    const body = indicatorAndItem!.slice(0, 1) + prefix! + indicatorAndItem!.slice(1);
    const lot = decodeLot(urn[3]!);
    return lot === undefined ? undefined : { gtin: body + checkDigit(body), lot };
  }
  const link = DIGITAL_LINK_LOT.exec(id);
  const lot = link ? decodeLot(link[2]!) : undefined;
  return lot === undefined ? undefined : { gtin: link![1]!, lot };
}

/**
 * The lot of a URN or Digital Link with its %-escapes decoded; undefined when an escape is
 * malformed (`%`, `%zz`, a cut UTF-8 sequence): such an id is no valid GS1 id, and
 * decodeURIComponent would throw a URIError out of the request (found by test/fuzz).
 */
function decodeLot(escaped: string): string | undefined {
  try {
    return decodeURIComponent(escaped);
  } catch {
    return undefined;
  }
}

/** GS1 mod-10 check digit of 13 digits (GS1 General Specifications §7.9.1). */
function checkDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const d = Number(digits[digits.length - 1 - i]);
    sum += i % 2 === 0 ? d * 3 : d;
  }
  return String((10 - (sum % 10)) % 10);
}

/** The epcClass an EPCIS export writes for a TLC: the TLC itself if it is a lot-level GS1 id,
 * undefined otherwise (the exporter then needs a FreshTrail class URI for it). */
export function tlcToEpcClass(tlc: string): string | undefined {
  return isLotClass(tlc) ? tlc : undefined;
}
