import assert from "node:assert/strict"
import { readFileSync } from "node:fs"
import { describe, it } from "node:test"
import { en } from "./en.ts"
import { zhCN } from "./zh-cn.ts"

describe("#21 counts through Intl.PluralRules", () => {
  it("English count texts take one form for 1 and another for the rest; none is hand-made with (s)", () => {
    assert.equal(en.create.networkAutoPick("lan", 1), "Now that is lan, with 1 free IP.")
    assert.equal(en.create.networkAutoPick("lan", 0), "Now that is lan, with 0 free IPs.")
    assert.equal(en.create.networkAutoPick("lan", 12), "Now that is lan, with 12 free IPs.")
    assert.equal(en.list.count(1), "1 VM")
    assert.equal(en.list.count(3), "3 VMs")
    assert.equal(en.create.socketsAuto(1, 1), "Auto: 1 × 1 core")
    assert.equal(en.create.socketsAuto(1, 2), "Auto: 1 × 2 cores")
    assert.equal(en.create.minimums(1, 10), "at least 1 CPU, 10 GiB system disk")
    assert.equal(en.create.minimums(2, 10), "at least 2 CPUs, 10 GiB system disk")
    assert.equal(en.rules["image-min-cores"](1), "This image needs at least 1 CPU")
    const source = readFileSync(new URL("./en.ts", import.meta.url), "utf8")
    assert.doesNotMatch(source, /\(s\)/, "no hand-made plurals")
  })

  it("Chinese keeps its one form", () => {
    assert.equal(zhCN.list.count(1).replace(/\d+/, "N"), zhCN.list.count(3).replace(/\d+/, "N"))
  })
})
