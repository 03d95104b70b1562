import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { keystrokeOf, typeText } from "./keystrokes.ts"

describe("paste as keystrokes", () => {
  it("B5 types each character on its US key, holding Shift where the character needs it", () => {
    const sent: Array<string> = []
    const typed = typeText(
      { sendKey: (keysym, code, down) => sent.push(`${code}:${keysym.toString(16)}:${down}`) },
      "aB!\r\n",
    )
    assert.equal(typed, 4)
    assert.deepEqual(sent, [
      "KeyA:61:true",
      "KeyA:61:false",
      "ShiftLeft:ffe1:true",
      "KeyB:42:true",
      "KeyB:42:false",
      "ShiftLeft:ffe1:false",
      "ShiftLeft:ffe1:true",
      "Digit1:21:true",
      "Digit1:21:false",
      "ShiftLeft:ffe1:false",
      "Enter:ff0d:true",
      "Enter:ff0d:false",
    ])
  })

  it("punctuation takes its key; characters without a US key go as Unicode keysyms", () => {
    assert.deepEqual(keystrokeOf("?"), { keysym: 0x3f, code: "Slash", shift: true })
    assert.deepEqual(keystrokeOf("'"), { keysym: 0x27, code: "Quote", shift: false })
    assert.deepEqual(keystrokeOf("é"), { keysym: 0xe9, code: null, shift: false })
    assert.deepEqual(keystrokeOf("中"), { keysym: 0x01004e2d, code: null, shift: false })
  })
})
