/** Number formats shared by the pages. */
const DAYS = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const ONE = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

export const days = (d: number): string => `${DAYS.format(d)} d`;
export const one = (v: number): string => ONE.format(v);

/** Remaining shelf life as a risk level: under 2 days at risk, under 5 watch. */
export function risk(remainingDays: number | undefined): 'risk' | 'watch' | 'ok' | 'unknown' {
  if (remainingDays === undefined) return 'unknown';
  if (remainingDays < 2) return 'risk';
  if (remainingDays < 5) return 'watch';
  return 'ok';
}
export const RISK_TEXT = { risk: 'At risk', watch: 'Watch', ok: 'OK', unknown: 'No readings yet' } as const;
