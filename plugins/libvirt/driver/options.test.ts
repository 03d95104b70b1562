import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { resolveOptions } from "./options.ts"

describe("libvirt driver options", () => {
  it("B3 a TCG domain gets a 32 MiB translation cache unless told otherwise (QEMU's 1 GiB slows a reset's boot); KVM none", () => {
    assert.equal(resolveOptions({ stateDir: "/tmp/x" }).tcgTbCacheMiB, 32)
    assert.equal(resolveOptions({ stateDir: "/tmp/x", tcgTbCacheMiB: 16 }).tcgTbCacheMiB, 16)
    assert.equal(resolveOptions({ stateDir: "/tmp/x", domainType: "kvm" }).tcgTbCacheMiB, undefined)
  })
})
