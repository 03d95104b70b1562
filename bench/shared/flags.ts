/** A whole-number flag of the bench's command line (`--runs 5`): `fallback` when absent; refused below `min`. */
export const wholeNumberFlag = (name: string, fallback: number, min = 1) => {
  const at = process.argv.indexOf(name)
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} takes a whole number of at least ${min}`)
  return value
}

/** A comma-separated list of whole numbers (`--vms 10000,100000`): `fallback` when absent; refused below `min`. */
export const wholeNumbersFlag = (name: string, fallback: ReadonlyArray<number>, min = 1): ReadonlyArray<number> => {
  const at = process.argv.indexOf(name)
  if (at < 0) return fallback
  const values = (process.argv[at + 1] ?? "").split(",").map(Number)
  if (values.some((value) => !Number.isInteger(value) || value < min)) {
    throw new Error(`${name} takes whole numbers of at least ${min}, comma-separated`)
  }
  return values
}
