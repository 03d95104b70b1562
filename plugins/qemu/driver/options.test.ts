import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { buildArgv } from "../argv/build-argv.ts"
import { resolveSettings } from "./options.ts"
import { guestSpec, type TestHost } from "./testing.ts"

const host = {
  diskDir: "/d",
  manifest: { kernel: "/k", initrd: "/i", cmdline: "console=ttyS0" },
} as unknown as TestHost
const spec = guestSpec(host, "vm")
const accelOf = (options: { readonly tcgTbSizeMiB?: number }, accel: "tcg" | "kvm") => {
  const argv = buildArgv(spec, resolveSettings({ stateDir: "/s", ...options }, accel).runtimeFor("vm"))
  return argv[argv.indexOf("-accel") + 1]
}

describe("QEMU driver options", () => {
  it("B3 a TCG guest gets a 32 MiB translation cache unless told otherwise; KVM has none", () => {
    assert.equal(accelOf({}, "tcg"), "tcg,tb-size=32")
    assert.equal(accelOf({ tcgTbSizeMiB: 128 }, "tcg"), "tcg,tb-size=128")
    assert.equal(accelOf({ tcgTbSizeMiB: 128 }, "kvm"), "kvm")
  })
})
