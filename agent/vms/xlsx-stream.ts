import { constants, deflateRawSync } from "node:zlib"
import { strToU8, Zip, ZipPassThrough } from "fflate"

/**
 * A one-sheet XLSX written as it is read (L6 at any row count, #23). An XLSX is a zip of XML parts; the sheet's part
 * is deflated row batch by row batch as the rows arrive, so memory holds one batch, not the sheet.
 * write-excel-file, which wrote the export before, takes every row up front. Strings are inline (`t="inlineStr"`):
 * a shared-strings table would have to be kept until the end.
 */

/**
 * A zip entry deflated by node's zlib (native, several times faster than fflate's JavaScript deflate: at 100,000 rows
 * the sheet's deflate was the export's largest cost, #23); fflate still writes the zip around it (sizes, CRC).
 * Each chunk is deflated on its own and ends with a sync flush (a non-final block), the last one with a final block:
 * raw deflate streams joined that way are one valid deflate stream, whose back-references simply never reach into
 * the chunk before.
 */
class ZipNativeDeflate extends ZipPassThrough {
  constructor(filename: string) {
    super(filename)
    this.compression = 8
  }
  protected override process(chunk: Uint8Array<ArrayBuffer>, final: boolean): void {
    const deflated = deflateRawSync(chunk, {
      level: 3,
      finishFlush: final ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
    })
    this.ondata(null, new Uint8Array(deflated.buffer, deflated.byteOffset, deflated.byteLength), final)
  }
}

/** A cell: a value, optionally bold; a Date is shown with `dateFormat`; null leaves the cell empty. */
export interface XlsxCell {
  readonly value: string | number | boolean | Date | null
  readonly bold?: boolean
}

export const dateFormat = "yyyy-mm-dd hh:mm"

const xmlHead = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
const main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
const rels = "http://schemas.openxmlformats.org/package/2006/relationships"
const officeRels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
const contentType = "application/vnd.openxmlformats-officedocument.spreadsheetml"

// XML 1.0 has no place for most control characters, and a lone surrogate is no character at all.
const notXml = /(?![\t\n\r])[\p{Cc}\p{Cs}\uFFFE\uFFFF]/gu
const escapeXml = (text: string) =>
  text.replace(notXml, "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const staticParts = (sheetName: string): Record<string, string> => ({
  "[Content_Types].xml": `${xmlHead}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" ContentType="${contentType}.sheet.main+xml"/>\
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="${contentType}.worksheet+xml"/>\
<Override PartName="/xl/styles.xml" ContentType="${contentType}.styles+xml"/></Types>`,
  "_rels/.rels": `${xmlHead}<Relationships xmlns="${rels}">\
<Relationship Id="rId1" Type="${officeRels}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
  "xl/workbook.xml": `${xmlHead}<workbook xmlns="${main}" xmlns:r="${officeRels}"><sheets>\
<sheet name="${escapeXml(sheetName)}" sheetId="1" r:id="rId1"/></sheets></workbook>`,
  "xl/_rels/workbook.xml.rels": `${xmlHead}<Relationships xmlns="${rels}">\
<Relationship Id="rId1" Type="${officeRels}/worksheet" Target="worksheets/sheet1.xml"/>\
<Relationship Id="rId2" Type="${officeRels}/styles" Target="styles.xml"/></Relationships>`,
  // Cell styles: 0 plain, 1 bold, 2 date, 3 bold date.
  "xl/styles.xml": `${xmlHead}<styleSheet xmlns="${main}">\
<numFmts count="1"><numFmt numFmtId="164" formatCode="${dateFormat}"/></numFmts>\
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="164" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyNumberFormat="1"/></cellXfs>\
</styleSheet>`,
})

// The header row stays in view while scrolling.
const sheetHead = `${xmlHead}<worksheet xmlns="${main}"><sheetViews><sheetView workbookViewId="0">\
<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>`
const sheetTail = "</sheetData></worksheet>"

/** A, B, …, Z, AA, AB, … */
export const columnLetters = (index: number): string => {
  let letters = ""
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26))
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters
  return letters
}

/** Days since 1899-12-30, the spreadsheet's date serial (UTC: the API's dates are UTC). */
const serialOf = (date: Date) => date.getTime() / 86_400_000 + 25_569

const cellXml = (cell: XlsxCell, ref: string): string => {
  const { value } = cell
  if (value === null) return ""
  const isDate = value instanceof Date
  const style = (cell.bold === true ? 1 : 0) + (isDate ? 2 : 0)
  const s = style === 0 ? "" : ` s="${style}"`
  if (isDate) return `<c r="${ref}"${s}><v>${serialOf(value)}</v></c>`
  if (typeof value === "number") return `<c r="${ref}"${s}><v>${value}</v></c>`
  if (typeof value === "boolean") return `<c r="${ref}"${s} t="b"><v>${value ? 1 : 0}</v></c>`
  return `<c r="${ref}"${s} t="inlineStr"><is><t xml:space="preserve">${escapeXml(value)}</t></is></c>`
}

const rowXml = (cells: ReadonlyArray<XlsxCell>, number: number, letters: ReadonlyArray<string>) =>
  `<row r="${number}">${cells.map((cell, index) => cellXml(cell, `${letters[index] ?? columnLetters(index)}${number}`)).join("")}</row>`

/**
 * The sheet as a byte stream: the header row, then each batch of rows as `batches` yields it (read only when the
 * reader wants more bytes), then the footer row. Cancelling the stream (the client went away) ends `batches`.
 */
export const xlsxStream = (
  sheetName: string,
  header: ReadonlyArray<XlsxCell>,
  batches: AsyncIterator<ReadonlyArray<ReadonlyArray<XlsxCell>>>,
  footer: ReadonlyArray<XlsxCell>,
): ReadableStream<Uint8Array> => {
  const letters = header.map((_, index) => columnLetters(index))
  let rowNumber = 0
  const rowsXml = (rows: ReadonlyArray<ReadonlyArray<XlsxCell>>) =>
    rows.map((cells) => rowXml(cells, ++rowNumber, letters)).join("")
  let sheet: ZipNativeDeflate | undefined
  let zip: Zip | undefined
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        zip = new Zip((error, chunk, final) => {
          if (error !== null) return controller.error(error)
          if (chunk.length > 0) controller.enqueue(chunk)
          if (final) controller.close()
        })
        for (const [name, xml] of Object.entries(staticParts(sheetName))) {
          const part = new ZipNativeDeflate(name)
          zip.add(part)
          part.push(strToU8(xml), true)
        }
        sheet = new ZipNativeDeflate("xl/worksheets/sheet1.xml")
        zip.add(sheet)
        sheet.push(strToU8(sheetHead + rowsXml([header])))
      },
      async pull() {
        const next = await batches.next()
        if (next.done === true) {
          sheet?.push(strToU8(rowsXml([footer]) + sheetTail), true)
          zip?.end()
          return
        }
        sheet?.push(strToU8(rowsXml(next.value)))
      },
      async cancel() {
        await batches.return?.()
      },
    },
    // Pull the next batch only once the bytes of the last one have been taken (about one batch deflated).
    { highWaterMark: 1 },
  )
}
