import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { type CellValue, SheetRows, XmlChunks } from "./sheet-xml.ts"

/** The XML a SheetRows writes, through chunks of `chunkBytes`, and the chunks' sizes. */
const written = (chunkBytes: number, write: (rows: SheetRows<ReadonlyArray<CellValue>>) => void, columns = 3) => {
  const chunks: Array<Buffer> = []
  // Copied: the chunk is reused once emit returns.
  const out = new XmlChunks(chunkBytes, (bytes) => chunks.push(Buffer.from(bytes)))
  const cells = Array.from({ length: columns }, (_, at) => (row: ReadonlyArray<CellValue>) => row[at] ?? null)
  write(new SheetRows(out, cells))
  out.flush()
  return { xml: Buffer.concat(chunks).toString("utf8"), sizes: chunks.map((chunk) => chunk.length) }
}

describe("the sheet's XML, written row by row into chunks (L6, #23)", () => {
  it("L6 each kind of value as its cell: text inline, numbers and booleans as values, dates as serials, null as nothing", () => {
    const { xml } = written(1024, (rows) => {
      rows.fixed([{ value: "Name", bold: true }, { value: 7, bold: true }, { value: null }])
      rows.row(["vm-1", 2.5, true])
      rows.row([new Date("2027-01-31T12:00:00Z"), null, false])
    })
    assert.equal(
      xml,
      '<row r="1"><c r="A1" s="1" t="inlineStr"><is><t xml:space="preserve">Name</t></is></c>' +
        '<c r="B1" s="1"><v>7</v></c></row>' +
        '<row r="2"><c r="A2" t="inlineStr"><is><t xml:space="preserve">vm-1</t></is></c>' +
        '<c r="B2"><v>2.5</v></c><c r="C2" t="b"><v>1</v></c></row>' +
        '<row r="3"><c r="A3" s="2"><v>46418.5</v></c><c r="C3" t="b"><v>0</v></c></row>',
    )
  })

  it("L6 text is escaped, control characters and lone surrogates dropped, other characters kept as UTF-8", () => {
    const { xml } = written(1024, (rows) =>
      rows.row(['a&b <c> "d"', "tab\there\u0001\u007f\u0085 end\ud800", "虚拟机 😀 é"]),
    )
    assert.equal(
      xml,
      '<row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve">a&amp;b &lt;c&gt; &quot;d&quot;</t></is></c>' +
        '<c r="B1" t="inlineStr"><is><t xml:space="preserve">tab\there end</t></is></c>' +
        '<c r="C1" t="inlineStr"><is><t xml:space="preserve">虚拟机 😀 é</t></is></c></row>',
    )
  })

  it("L6 a row split across chunks, and a text longer than a chunk, come out whole and in order", () => {
    const long = `${"x".repeat(100)}虚${"&".repeat(10)}`
    const expected = (size: number) =>
      written(size, (rows) => {
        for (let i = 0; i < 20; i++) rows.row([`row ${i}`, i, i % 3 === 0 ? long : "短"])
      })
    const whole = expected(1 << 20)
    const small = expected(64)
    assert.equal(small.xml, whole.xml)
    assert.ok(small.sizes.length > 20, "many chunks")
    assert.ok(
      small.sizes.every((size) => size <= 64 || size >= long.length),
      "a chunk is at most its size, unless it is one long text by itself",
    )
    assert.match(whole.xml, /<c r="C1" t="inlineStr"><is><t xml:space="preserve">x{100}虚(&amp;){10}<\/t>/)
    assert.match(whole.xml, /<row r="20">.*<c r="B20"><v>19<\/v><\/c>/)
  })

  it("L6 columns past Z are lettered AA, AB, …", () => {
    const { xml } = written(1024, (rows) => rows.row(Array.from({ length: 28 }, (_, at) => at)), 28)
    assert.match(xml, /<c r="Z1"><v>25<\/v><\/c><c r="AA1"><v>26<\/v><\/c><c r="AB1"><v>27<\/v><\/c><\/row>$/)
  })
})
