import pg from "pg"

/** One statement sent to the server: when it was sent and answered (performance.now()), and its first words. */
export interface Statement {
  readonly from: number
  readonly to: number
  readonly text: string
}

type Query = (...args: Array<unknown>) => unknown

const textOf = (first: unknown): string => {
  const text =
    typeof first === "string"
      ? first
      : typeof first === "object" && first !== null && "text" in first
        ? String(first.text)
        : ""
  return text
    .replace(/\/\* prepared \*\//, "")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 80)
}

/**
 * Counts the statements this process sends to PostgreSQL, by wrapping the pg client's `query` (the pool's clients
 * take it from the prototype when they connect, so install this before the store opens). A count of round trips is
 * free of the host's load, unlike a time: the bench reports it as a regression guard.
 */
export const installQueryCounter = () => {
  const proto = pg.Client.prototype as unknown as { query: Query }
  const original = proto.query
  let open: Array<Statement> | undefined
  proto.query = function (this: unknown, ...args: Array<unknown>) {
    const result = original.apply(this, args)
    const into = open
    if (into === undefined || !(result instanceof Promise)) return result
    const from = performance.now()
    const first = args[0]
    // The text is made only if read (a trace): shortening every statement's text (regular expressions over the
    // claim's ~1 KB) was most of this counter's 3% of an operation's CPU in a profile (bench/core-overhead --gap 200,
    // #12), counted in the operation it measures; 1.3% since.
    const done = () =>
      void into.push({
        from,
        to: performance.now(),
        get text() {
          return textOf(first)
        },
      })
    result.then(done, done)
    return result
  }
  return {
    /** Runs `step` and returns the statements sent meanwhile, in the order they were answered. */
    within: async <A>(
      step: () => Promise<A>,
    ): Promise<{ readonly value: A; readonly statements: Array<Statement> }> => {
      const statements: Array<Statement> = []
      open = statements
      try {
        return { value: await step(), statements }
      } finally {
        open = undefined
      }
    },
  }
}

/** The length of the union of the intervals. */
export const covered = (spans: ReadonlyArray<readonly [number, number]>): number => {
  let total = 0
  let end = Number.NEGATIVE_INFINITY
  for (const [from, to] of [...spans].sort((a, b) => a[0] - b[0])) {
    if (to <= end) continue
    total += to - Math.max(from, end)
    end = to
  }
  return total
}
