import { createRequire } from 'node:module';
import type HolidaysClass from 'date-holidays';
/** Public holidays of one year as local dates ("2026-12-25"); memoised by whoever builds it. */
export type HolidaysOfYear = (year: number) => ReadonlySet<string>;

/**
 * Public holidays by country/region, from date-holidays (rules for ~200 countries and their
 * states, maintained upstream) rather than a hand-made table. Loaded on first use only: it costs
 * ~200 ms and ~30 MB of rules, which a config without regions never pays. `require` rather than
 * `import()` so config validation, which is synchronous, can check a region code.
 */
let loaded: typeof HolidaysClass | undefined;

function library(): typeof HolidaysClass {
  loaded ??= createRequire(import.meta.url)('date-holidays') as typeof HolidaysClass;
  return loaded;
}

/** "DE", "DE-BE", "US-CA", "CH-BE-…": country, then optional state and region codes. */
export const REGION_CODE = /^[A-Z]{2}(-[A-Za-z0-9]{1,10}){0,2}$/;
export const HOLIDAY_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Why a region code is not known to the holiday library, with what it does know; null when it is. */
export function unknownRegion(code: string): string | null {
  const [country = '', state, region] = code.split('-');
  const Holidays = library();
  const hd = new Holidays();
  const countries = hd.getCountries();
  if (!(country in countries))
    return `no public-holiday rules for country ${JSON.stringify(country)} (ISO 3166-1 alpha-2, like "DE" or "US")`;
  if (state === undefined) return null;
  const states = hd.getStates(country) ?? {};
  if (!(state in states)) {
    const known = Object.keys(states);
    return known.length === 0
      ? `${country} has no states in the holiday rules; write just "${country}"`
      : `${country} has no state ${JSON.stringify(state)}; known: ${known.slice(0, 40).join(', ')}`;
  }
  if (region === undefined) return null;
  const regions = hd.getRegions(country, state) ?? {};
  if (!(region in regions)) {
    const known = Object.keys(regions);
    return known.length === 0
      ? `${country}-${state} has no regions in the holiday rules; write "${country}-${state}"`
      : `${country}-${state} has no region ${JSON.stringify(region)}; known: ${known.slice(0, 40).join(', ')}`;
  }
  return null;
}

/**
 * The holidays of a list of entries: fixed dates ("2026-12-24") and region codes whose public
 * holidays apply (type "public" only: bank, school and observance days are working days).
 * Each year is computed once.
 */
export function holidaysOf(entries: readonly string[]): HolidaysOfYear {
  const dates = entries.filter((entry) => HOLIDAY_DATE.test(entry));
  const regions = entries.filter((entry) => !HOLIDAY_DATE.test(entry));
  if (entries.length === 0) return () => EMPTY;
  const instances = regions.map((code) => {
    const [country = '', state, region] = code.split('-');
    const Holidays = library();
    return state === undefined
      ? new Holidays(country)
      : region === undefined
        ? new Holidays(country, state)
        : new Holidays(country, state, region);
  });
  const years = new Map<number, ReadonlySet<string>>();
  return (year) => {
    let set = years.get(year);
    if (set === undefined) {
      const found = new Set(dates.filter((date) => date.startsWith(`${year}-`)));
      for (const hd of instances) {
        for (const holiday of hd.getHolidays(year)) {
          // "2026-12-25 00:00:00": the local date the holiday starts on.
          if (holiday.type === 'public') found.add(holiday.date.slice(0, 10));
        }
      }
      set = found;
      years.set(year, set);
    }
    return set;
  };
}

const EMPTY: ReadonlySet<string> = new Set();
