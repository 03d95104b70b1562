/**
 * H2 H6 The conformance suite against the QEMU driver and the tiny test guest, through the suite's node:test
 * adapter: every capability the driver declares must pass, and the support matrix lands in artifacts/conformance/.
 */
import { existsSync } from "node:fs"
import { after } from "node:test"
import { loadConformanceModule } from "../../conformance/module.ts"
import { describeConformance } from "../../conformance/node-test.ts"

const installed = existsSync("/usr/bin/qemu-system-x86_64") && existsSync("/usr/bin/qemu-img")

if (installed) {
  const module = await loadConformanceModule("plugins/qemu/driver/conformance.ts")
  after(() => module.dispose?.())
  describeConformance("qemu", module.factory, module.config)
}
