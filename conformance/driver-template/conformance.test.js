// @ts-check
// `npm test`: the conformance suite against this driver, one node:test test per case (skipped where the driver
// declares no capability for it); the support matrix lands in conformance-matrix/ (JSON and Markdown).
import { after } from "node:test"
import { describeConformance } from "hyperx/conformance"
import makeModule from "./conformance.js"

const module = makeModule()
after(() => module.dispose?.())
describeConformance("example", module.factory, module.config, { matrixDir: "conformance-matrix" })
