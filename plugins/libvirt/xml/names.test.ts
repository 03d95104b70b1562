import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { decodeId, diskAlias, diskIdOf, encodeId, freeTarget, nicIdOf, targetName } from "./names.ts"

describe("libvirt device names", () => {
  it("H3 aliases carry ids back, also ids outside libvirt's alias characters", () => {
    for (const id of ["system", "data1", "3f6c2a9e-8b1d-4c47-a2e5-91d0b6f4c3aa", "d_1", "scratch space", "数据盘"]) {
      assert.match(encodeId(id), /^[A-Za-z0-9_-]+$/)
      assert.equal(decodeId(encodeId(id)), id)
      assert.equal(diskIdOf(diskAlias(id)), id)
    }
    assert.equal(diskAlias("data1"), "ua-disk-data1")
    assert.equal(diskIdOf("ua-nic-eth0"), undefined)
    assert.equal(nicIdOf("ua-nic-eth0"), "eth0")
  })

  it("H3 targets follow libvirt's scheme and skip the ones in use", () => {
    assert.deepEqual(
      [0, 1, 25, 26, 27].map((index) => targetName("vd", index)),
      ["vda", "vdb", "vdz", "vdaa", "vdab"],
    )
    assert.equal(freeTarget("vd", ["vda", "vdc"]), "vdb")
    assert.equal(freeTarget("sd", []), "sda")
  })
})
