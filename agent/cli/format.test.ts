import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { displayWidth, table } from "./format.ts"

describe("the CLI's tables (#21)", () => {
  it("R2 a Chinese display name takes two terminal columns a character, so the next column still lines up", () => {
    const lines = table(
      ["NAME", "STATE"],
      [
        ["网站_服务器01", "running"],
        ["shop-web01nginx-01", "stopped"],
      ],
    )
    // Where a terminal shows STATE on each line: the same column on every line.
    const stateColumns = lines.map((line) => displayWidth(line.slice(0, line.search(/STATE|running|stopped/))))
    assert.deepEqual(stateColumns, [20, 20, 20], lines.join("\n"))
  })

  it("counts ASCII as one column and CJK and fullwidth forms as two", () => {
    assert.deepEqual(
      [displayWidth("vm_01"), displayWidth("服务器"), displayWidth("ＡＢ"), displayWidth("")],
      [5, 6, 4, 0],
    )
  })
})
