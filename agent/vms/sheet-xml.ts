/**
 * The sheet part's XML, row by row, written straight into a byte chunk that is handed on when full (#23). A row is
 * read from its values as it is written: no object per cell, no string per batch. What a row allocates (its XML
 * string, a number's digits) is garbage before the next row starts, so it dies in the young generation; only the
 * batch of rows being written lives longer (agent/vms/export-xlsx.ts keeps batches small for that reason).
 */

/** A cell's value: a Date is shown with `dateFormat`; null leaves the cell empty. */
export type CellValue = string | number | boolean | Date | null

/** A cell of a fixed row (header, totals): a value, optionally bold. */
export interface XlsxCell {
  readonly value: CellValue
  readonly bold?: boolean
}

export const dateFormat = "yyyy-mm-dd hh:mm"

// XML 1.0 has no place for most control characters, and a lone surrogate is no character at all.
const notXml = /(?![\t\n\r])[\p{Cc}\p{Cs}\uFFFE\uFFFF]/gu
/** Whether a text needs `escapeXml` at all: most cells do not, and testing is cheaper than replacing five times. */
const needsEscape = /[&<>"\p{Cc}\p{Cs}\uFFFE\uFFFF]/u

export const escapeXml = (text: string) =>
  text.replace(notXml, "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

/** A, B, …, Z, AA, AB, … */
export const columnLetters = (index: number): string => {
  let letters = ""
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26))
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters
  return letters
}

/** Days since 1899-12-30, the spreadsheet's date serial (UTC: the API's dates are UTC). */
const serialOf = (date: Date) => date.getTime() / 86_400_000 + 25_569

const ascii = (text: string) => Buffer.from(text, "latin1")

// Cell styles (xlsx-stream.ts's styles part): 0 plain, 1 bold, 2 date, 3 bold date.
const styleAttributes = ["", ' s="1"', ' s="2"', ' s="3"'] as const
/** What follows a cell's address, by style, for a value in `<v>`, a boolean and an inline string. */
const valueOpen = styleAttributes.map((s) => ascii(`"${s}><v>`))
const booleanOpen = styleAttributes.map((s) => ascii(`"${s} t="b"><v>`))
const textOpen = styleAttributes.map((s) => ascii(`"${s} t="inlineStr"><is><t xml:space="preserve">`))
const valueClose = ascii("</v></c>")
const textClose = ascii("</t></is></c>")
const rowOpen = ascii('<row r="')
const rowOpenEnd = ascii('">')
const rowClose = ascii("</row>")
const one = ascii("1")
const zero = ascii("0")

/**
 * Bytes of XML gathered into a chunk of `chunkBytes`, handed to `emit` when the next piece does not fit (and by
 * `flush`). The chunk is reused once `emit` returns: `emit` must have consumed it by then (the zip entry deflates it
 * synchronously). A text longer than a chunk is handed on by itself. Nothing here allocates per piece but the
 * digits of a number and a text that needs escaping or holds non-ASCII characters.
 */
export class XmlChunks {
  readonly #chunk: Buffer
  #used = 0
  constructor(
    readonly chunkBytes: number,
    readonly emit: (bytes: Uint8Array) => void,
  ) {
    this.#chunk = Buffer.allocUnsafe(chunkBytes)
  }

  /** Room for `bytes` more (the chunk handed on first if they do not fit); false if they never would. */
  #room(bytes: number): boolean {
    if (this.#used + bytes > this.chunkBytes) this.flush()
    return bytes <= this.chunkBytes
  }

  bytes(bytes: Uint8Array): void {
    if (!this.#room(bytes.length)) {
      this.emit(bytes)
      return
    }
    this.#chunk.set(bytes, this.#used)
    this.#used += bytes.length
  }

  /** Text known to be ASCII and to need no escaping (digits, cell addresses). */
  ascii(text: string): void {
    if (!this.#room(text.length)) {
      this.emit(Buffer.from(text, "latin1"))
      return
    }
    const chunk = this.#chunk
    let at = this.#used
    for (let i = 0; i < text.length; i++) chunk[at++] = text.charCodeAt(i)
    this.#used = at
  }

  /** Any text, as XML character data (escapeXml). */
  text(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit (a surrogate pair, 2 units, takes 4).
    if (!this.#room(text.length * 3)) {
      this.emit(Buffer.from(safeXml(text), "utf8"))
      return
    }
    const chunk = this.#chunk
    const start = this.#used
    let at = start
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i)
      // Printable ASCII but the four that XML escapes here: copied as is. Anything else: the whole text the slow way.
      if (code < 0x20 || code > 0x7e || code === 0x26 || code === 0x3c || code === 0x3e || code === 0x22) {
        this.#used = start + chunk.write(safeXml(text), start, "utf8")
        return
      }
      chunk[at++] = code
    }
    this.#used = at
  }

  flush(): void {
    if (this.#used === 0) return
    const bytes = this.#chunk.subarray(0, this.#used)
    this.#used = 0
    this.emit(bytes)
  }
}

const safeXml = (text: string) => (needsEscape.test(text) ? escapeXml(text) : text)

/**
 * The rows of a sheet, numbered from 1, written into `out` piece by piece: `fixed` writes a header or totals row from
 * its cells, `row` a data row from one cell value per column (`cells[i](row)`), read from the row as it is written.
 */
export class SheetRows<Row> {
  /** `<c r="B` for each column. */
  readonly #cellOpen: ReadonlyArray<Uint8Array>
  #number = 0
  #numberText = ""
  constructor(
    readonly out: XmlChunks,
    readonly cells: ReadonlyArray<(row: Row) => CellValue>,
  ) {
    this.#cellOpen = cells.map((_, index) => ascii(`<c r="${columnLetters(index)}`))
  }

  #open(): void {
    this.#numberText = String(++this.#number)
    this.out.bytes(rowOpen)
    this.out.ascii(this.#numberText)
    this.out.bytes(rowOpenEnd)
  }

  #cell(index: number, value: CellValue, bold: boolean): void {
    if (value === null) return
    const out = this.out
    out.bytes(this.#cellOpen[index] ?? ascii(`<c r="${columnLetters(index)}`))
    out.ascii(this.#numberText)
    const isDate = value instanceof Date
    const style = (bold ? 1 : 0) + (isDate ? 2 : 0)
    if (typeof value === "string") {
      out.bytes(textOpen[style] as Uint8Array)
      out.text(value)
      out.bytes(textClose)
      return
    }
    if (typeof value === "boolean") {
      out.bytes(booleanOpen[style] as Uint8Array)
      out.bytes(value ? one : zero)
    } else {
      out.bytes(valueOpen[style] as Uint8Array)
      out.ascii(String(isDate ? serialOf(value) : value))
    }
    out.bytes(valueClose)
  }

  fixed(cells: ReadonlyArray<XlsxCell>): void {
    this.#open()
    for (let index = 0; index < cells.length; index++) {
      const cell = cells[index] as XlsxCell
      this.#cell(index, cell.value, cell.bold === true)
    }
    this.out.bytes(rowClose)
  }

  row(row: Row): void {
    this.#open()
    for (let index = 0; index < this.cells.length; index++) {
      this.#cell(index, (this.cells[index] as (row: Row) => CellValue)(row), false)
    }
    this.out.bytes(rowClose)
  }
}
