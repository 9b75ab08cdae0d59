// A daily total of base units in a RecordStore, shared by every process
// that spends from it (see policy.js for the rules it serves).

/** "2026-01-02": the UTC day of a time in milliseconds. */
export function utcDay(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * A daily total in a RecordStore: one record per UTC day
 * (`<dayPrefix><day>`, raised inside store.update, so concurrent reservers in
 * any process never pass a limit together) and a hold per reservation
 * (`<holdPrefix><day>/<id>`), so that a reservation is made once per id and
 * given back at most once. SpendPolicy keeps the asset's total in one; the
 * key-mode wallet keeps ETH's in another.
 */
export class DayTotal {
  #store;
  #now;
  #dayPrefix;
  #holdPrefix;

  constructor({ store, now = Date.now, dayPrefix, holdPrefix }) {
    this.#store = store;
    this.#now = now;
    this.#dayPrefix = dayPrefix;
    this.#holdPrefix = holdPrefix;
  }

  /** Base units spent or reserved on a UTC day ("YYYY-MM-DD"; default today). */
  spent(day = utcDay(this.#now())) {
    const record = this.#store.get(`${this.#dayPrefix}${day}`);
    return record ? BigInt(record.spent) : 0n;
  }

  /**
   * Adds `amount` to today's total under `id`: {id, day, amount}; or, with
   * `enforce` and the total passing `limit`, {refused: {day, spent}} and
   * nothing reserved. An id already held today (not released) returns that
   * reservation instead of adding twice. `fields` go into the hold record.
   */
  reserve(amount, { id, limit, enforce = true, fields = {} }) {
    const at = this.#now();
    const day = utcDay(at);
    const holdId = `${this.#holdPrefix}${day}/${id}`;
    const held = this.#store.get(holdId);
    if (held && held.releasedAt === undefined) return { id, day, amount: BigInt(held.amount) };
    let refused = null;
    this.#store.update(`${this.#dayPrefix}${day}`, (current) => {
      const spent = BigInt(current?.spent ?? '0');
      if (enforce && spent + amount > limit) {
        refused = { day, spent };
        return undefined;
      }
      return { day, spent: (spent + amount).toString(), count: (current?.count ?? 0) + 1 };
    });
    if (refused) return { refused };
    // The hold is written after the total: a crash in between leaves budget
    // used, never budget invented.
    this.#store.put(holdId, { id, day, amount: amount.toString(), ...fields, at });
    return { id, day, amount };
  }

  /**
   * Gives a reservation back, by its {id, day} — also from another process
   * or after a restart. Idempotent: true the first time, false when it was
   * already released or never made.
   */
  release({ id, day }) {
    let amount = null;
    // The hold is marked first: a crash before the total is lowered loses
    // budget for the day, and can never give it back twice.
    this.#store.update(`${this.#holdPrefix}${day}/${id}`, (held) => {
      if (!held || held.releasedAt !== undefined) return undefined;
      amount = BigInt(held.amount);
      return { ...held, releasedAt: this.#now() };
    });
    if (amount === null) return false;
    this.#store.update(`${this.#dayPrefix}${day}`, (current) => {
      if (!current) return undefined;
      const spent = BigInt(current.spent) - amount;
      return { ...current, spent: (spent < 0n ? 0n : spent).toString() };
    });
    return true;
  }

  /**
   * Gives back `amount` of a reservation (at most what it still holds) once
   * per `returnId` — a channel's refund, mined: {id, day} keeps the rest.
   * The hold is lowered first, as in release(): a crash in between loses
   * budget, never invents it. Returns the amount given back (0n when this
   * return was made already).
   */
  releasePart({ id, day }, amount, returnId) {
    let given = 0n;
    this.#store.update(`${this.#holdPrefix}${day}/${id}`, (held) => {
      if (!held || held.releasedAt !== undefined || held.returned?.[returnId] !== undefined) return undefined;
      const holding = BigInt(held.amount);
      given = amount < holding ? amount : holding;
      return { ...held, amount: (holding - given).toString(), returned: { ...held.returned, [returnId]: given.toString() } };
    });
    if (given === 0n) return 0n;
    this.#store.update(`${this.#dayPrefix}${day}`, (current) => {
      if (!current) return undefined;
      const spent = BigInt(current.spent) - given;
      return { ...current, spent: (spent < 0n ? 0n : spent).toString() };
    });
    return given;
  }
}
