// Imported by scripts/ts-loader.test.ts: it throws on line 7, after types that the compiler removes.
interface Probe {
  readonly line: number
}
const probe: Probe = { line: 7 }
export const line: number = probe.line
throw new Error(`thrown on line ${line}`)
