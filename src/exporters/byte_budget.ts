/**
 * The cap on the bytes that scrapes in flight hold across the process
 * (`web.max_bytes_in_flight`): what the bounded reader keeps of bodies and script output is
 * taken from it, and given back when the scrape (or script run) that read it is over.
 */

/** The process's budget of bytes in flight. */
export class ByteBudget {
  #limit: number;
  #held = 0;
  readonly #onChange: ((held: number) => void) | undefined;

  /** `onChange` is told the bytes held after every change (for the program's own metrics). */
  constructor(limit: number, options: { onChange?: (held: number) => void } = {}) {
    this.#limit = limit;
    this.#onChange = options.onChange;
  }

  /** The most bytes that may be held at once. */
  get limit(): number {
    return this.#limit;
  }

  /** Changes the limit (on reload); bytes already held stay held. */
  set limit(limit: number) {
    this.#limit = limit;
  }

  /** The bytes held now. */
  get held(): number {
    return this.#held;
  }

  /** Whether nothing more can be held. */
  exhausted(): boolean {
    return this.#held >= this.#limit;
  }

  /** A share of the budget for one scrape or run, given back whole by `release`. */
  hold(): BudgetHold {
    return new BudgetHold(this);
  }

  /** Takes `bytes` if the limit allows; whether it did. */
  take(bytes: number): boolean {
    if (this.#held + bytes > this.#limit) return false;
    this.#change(bytes);
    return true;
  }

  /** Gives back `bytes` taken before. */
  give(bytes: number): void {
    this.#change(-bytes);
  }

  #change(bytes: number): void {
    if (bytes === 0) return;
    this.#held += bytes;
    this.#onChange?.(this.#held);
  }
}

/** The bytes one scrape (or script run) holds of the budget. */
export class BudgetHold {
  readonly #budget: ByteBudget;
  #held = 0;

  /** A hold on `budget`, holding nothing yet. */
  constructor(budget: ByteBudget) {
    this.#budget = budget;
  }

  /** The budget's limit, for messages. */
  get limit(): number {
    return this.#budget.limit;
  }

  /** Takes `bytes` more if the budget allows; whether it did. */
  take(bytes: number): boolean {
    if (!this.#budget.take(bytes)) return false;
    this.#held += bytes;
    return true;
  }

  /** Gives back `bytes` of what this hold took. */
  give(bytes: number): void {
    const given = Math.min(bytes, this.#held);
    this.#held -= given;
    this.#budget.give(given);
  }

  /** Gives back everything this hold took. */
  release(): void {
    this.give(this.#held);
  }
}
