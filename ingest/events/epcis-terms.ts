/**
 * CBV 2.0 vocabulary as EPCIS 2.0 JSON-LD writes it: a bare term ("shipping"), the Web URI
 * (`https://ref.gs1.org/cbv/BizStep-shipping`) or the EPCIS 1.x URN
 * (`urn:epcglobal:cbv:bizstep:shipping`). All three mean the same term; a URI of another
 * vocabulary is kept as given.
 */

export type CbvVocabulary = 'BizStep' | 'Disp' | 'SDT' | 'BTT';

const URN_KIND: Record<CbvVocabulary, string> = { BizStep: 'bizstep', Disp: 'disp', SDT: 'sdt', BTT: 'btt' };
const BARE_TERM = /^[a-z][a-z0-9_]*$/;

/** The bare CBV term of `value`, or `value` unchanged when it is not a CBV term. */
export function cbvTerm(value: string, vocabulary: CbvVocabulary): string {
  for (const prefix of [`https://ref.gs1.org/cbv/${vocabulary}-`, `urn:epcglobal:cbv:${URN_KIND[vocabulary]}:`]) {
    if (value.startsWith(prefix)) {
      const term = value.slice(prefix.length);
      if (BARE_TERM.test(term)) return term;
    }
  }
  return value;
}
