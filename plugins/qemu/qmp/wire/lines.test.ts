import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { LineSplitter, parseJsonLine } from "./lines.ts"

describe("LineSplitter", () => {
  it("joins a line that arrives in pieces and splits a chunk holding several lines", () => {
    const splitter = new LineSplitter()
    assert.deepEqual(splitter.push(Buffer.from('{"a":')), [])
    assert.deepEqual(splitter.push(Buffer.from('1}\n{"b":2}\n{"c"')), ['{"a":1}', '{"b":2}'])
    assert.deepEqual(splitter.push(Buffer.from(":3}\r\n\n")), ['{"c":3}'])
  })

  it("keeps a multi-byte character whole when a chunk boundary cuts it", () => {
    const splitter = new LineSplitter()
    const bytes = Buffer.from('{"desc":"磁盘"}\n')
    const cut = bytes.indexOf(Buffer.from("磁")) + 1
    assert.deepEqual(splitter.push(bytes.subarray(0, cut)), [])
    assert.deepEqual(splitter.push(bytes.subarray(cut)), ['{"desc":"磁盘"}'])
  })

  it("reports a line that is not JSON as undefined instead of throwing", () => {
    assert.equal(parseJsonLine("\ufffd\ufffd{garbage"), undefined)
    assert.deepEqual(parseJsonLine('{"return":{}}'), { return: {} })
  })
})
