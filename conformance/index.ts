/**
 * hyperx's driver conformance suite, as a library. Run it from Effect (`runConformance`), from node:test
 * (`describeConformance`) or from the command line (`conformance/cli.ts`); see README.md.
 */
export type { ConformanceCase } from "./case.ts"
export { conformanceCases } from "./cases/index.ts"
export {
  type ConformanceConfig,
  type ConformanceTimeouts,
  defaultTimeouts,
  type GuestProbe,
  type ProbeOp,
  type ResolvedConfig,
  resolveConfig,
} from "./config.ts"
export type { CaseContext, TestVm } from "./context.ts"
export { CaseFailure } from "./failure.ts"
export {
  defaultMatrixDir,
  mergeIntoMatrix,
  readSupportMatrix,
  SupportMatrix,
  writeSupportMatrix,
} from "./matrix.ts"
export { renderSupportMatrix } from "./matrix-markdown.ts"
export { type ConformanceModule, type ConformanceModuleExport, loadConformanceModule } from "./module.ts"
export { type DescribeConformanceOptions, describeConformance } from "./node-test.ts"
export { fromPromiseProbe, type PromiseGuestProbe } from "./promise-probe.ts"
export type { CaseResult, CaseStatus, ConformanceReport } from "./report.ts"
export { countByStatus } from "./report.ts"
export { type RfbGreeting, rfbHandshake } from "./rfb.ts"
export { readSerialUntil } from "./serial.ts"
export {
  type ConformanceSession,
  hostCheck,
  openConformance,
  openConformanceSession,
  runConformance,
  selectCases,
} from "./session.ts"
export { bridgeToWebSocket } from "./ws-bridge.ts"
