/**
 * The location filter of alert rules and the silent-sensor check (config `alerts.rules[].location`,
 * `alerts.silentSensors.locations`): an exact location, or a prefix ending in '*'.
 */

/** Whether `location` matches `pattern`: with no pattern every location does; with one, a missing location never does. */
export function locationMatches(pattern: string | undefined, location: string | undefined): boolean {
  if (pattern === undefined) return true;
  if (location === undefined) return false;
  return pattern.endsWith('*') ? location.startsWith(pattern.slice(0, -1)) : location === pattern;
}
