import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { messagesFor } from "./index.ts"
import { resolveLocale } from "./locale.ts"

describe("locale resolution", () => {
  it("zh, zh-Hans and every other Chinese tag fall back to zh-CN; the rest is English", () => {
    for (const tag of ["zh", "zh-CN", "zh-Hans", "zh-Hans-CN", "ZH_sg", "zh-TW"])
      assert.equal(resolveLocale(tag), "zh-CN", tag)
    for (const tag of ["en", "en-US", "fr", "", null, undefined]) assert.equal(resolveLocale(tag), "en", String(tag))
  })

  it("state names in Chinese are the manual's", () => {
    assert.equal(messagesFor("zh-CN").states.running, "运行")
    assert.equal(messagesFor("zh-CN").states.stopped, "关闭")
    assert.equal(messagesFor("en").states.stopped, "Stopped")
  })
})
