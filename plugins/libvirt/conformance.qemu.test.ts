/**
 * H3 H6 The conformance suite against the libvirt driver (qemu:///system, TCG) and the tiny test guest, through the
 * suite's node:test adapter: every capability the driver declares must pass; the support matrix lands in
 * artifacts/conformance/ next to the QEMU driver's. Skips when libvirtd does not answer (fails instead with CI=true
 * HYPERX_REQUIRE_LIBVIRT=1).
 */
import { after, describe, it } from "node:test"
import { loadConformanceModule } from "../../conformance/module.ts"
import { describeConformance } from "../../conformance/node-test.ts"
import { libvirtUnavailable } from "./testing/setup.ts"

const skip = libvirtUnavailable()

if (skip === false) {
  const module = await loadConformanceModule("plugins/libvirt/conformance.ts")
  after(() => module.dispose?.())
  describeConformance("libvirt", module.factory, module.config)
} else {
  describe("conformance: libvirt", { skip }, () => {
    it("runs the driver conformance suite against libvirt", () => {})
  })
}
