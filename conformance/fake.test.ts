/**
 * H6 The conformance suite against the reference driver, through the node:test adapter: every case the fake
 * declares must pass, and the support matrix lands in artifacts/conformance/.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { after } from "node:test"
import { fakeConformance, fakeConformanceFactory } from "../plugins/fake/conformance.ts"
import { describeConformance } from "./node-test.ts"

const dir = mkdtempSync(join(tmpdir(), "hxc-fake-test-"))
after(() => rmSync(dir, { recursive: true, force: true }))

// With a state file, as a real hypervisor outlives its driver instance: the fake declares and passes reattach.
const fake = fakeConformance(dir)
describeConformance("fake", fake.factory, fake.config)

// Without one it cannot find an earlier instance's domains, so it does not declare reattach: that case is skipped.
describeConformance(
  "fake without a state file",
  fakeConformanceFactory(),
  {
    ...fake.config,
    only: ["lifecycle.start", "reattach.running-vm"],
  },
  { matrixDir: null },
)

// #19: the passthrough cases themselves, given devices: the fake takes any spec, so they must pass (never "not
// provable here" when hardware is given). Real drivers prove them only on hosts with a USB device or an IOMMU.
describeConformance(
  "fake given passthrough devices",
  fake.factory,
  {
    ...fake.config,
    passthrough: {
      usb: { id: "usb-key", kind: "usb", hostAddress: "1-2", vendorId: "0781", productId: "5581" },
      gpu: { id: "gpu0", kind: "gpu", hostAddress: "0000:01:00.0" },
    },
    only: ["passthrough.usb-hotplug", "passthrough.gpu"],
  },
  { matrixDir: null },
)
