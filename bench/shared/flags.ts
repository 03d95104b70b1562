/** A whole-number flag of the bench's command line (`--runs 5`): `fallback` when absent; refused below `min`. */
export const wholeNumberFlag = (name: string, fallback: number, min = 1) => {
  const at = process.argv.indexOf(name)
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} takes a whole number of at least ${min}`)
  return value
}
