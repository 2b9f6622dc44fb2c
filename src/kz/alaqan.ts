// Kaspi Alaqan (palm-vein authentication) is rolled out city by city ("in Almaty in November,
// then other cities"): the machine offers it only where it is switched on for its city and
// while the camera reports healthy.
import type { PalmHealth } from '../../hal/ports';

/**
 * The default rollout list. This is configuration, not code: a machine's settings may replace
 * it as the bank switches cities on. Spelled in Latin as the bank's configuration writes them.
 */
export const ALAQAN_CITIES_DEFAULT: readonly string[] = Object.freeze(['Almaty', 'Astana']);

/** Case and surrounding spaces do not matter: "almaty " is Almaty. */
function sameCity(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

export function palmOffered(city: string, enabledCities: readonly string[], health: PalmHealth): boolean {
  if (health !== 'ready') return false;
  if (city.trim().length === 0) return false;
  for (const enabled of enabledCities) {
    if (sameCity(city, enabled)) return true;
  }
  return false;
}
