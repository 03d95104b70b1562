import { constants, deflateRawSync } from "node:zlib"
import { strToU8, Zip, ZipPassThrough } from "fflate"
import { type CellValue, dateFormat, escapeXml, SheetRows, type XlsxCell, XmlChunks } from "./sheet-xml.ts"

/**
 * A one-sheet XLSX written as it is read (L6 at any row count, #23). An XLSX is a zip of XML parts; the sheet's part
 * is written row by row as the rows arrive (sheet-xml.ts) and deflated chunk by chunk, so memory holds one batch and
 * one chunk, not the sheet.
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

const xmlHead = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
const main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
const rels = "http://schemas.openxmlformats.org/package/2006/relationships"
const officeRels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
const contentType = "application/vnd.openxmlformats-officedocument.spreadsheetml"

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

/** The sheet's XML is deflated in chunks of this size, each on its own (ZipNativeDeflate). */
const chunkBytes = 128 * 1024

/**
 * The sheet as a byte stream: the header row, then each batch of rows as `batches` yields it (read only when the
 * reader wants more bytes), each row written from its values by `cells` (one per column), then the footer row.
 * Memory holds the batch being written, one chunk of XML and what the reader has not taken yet (one deflated chunk
 * or a few). Cancelling the stream (the client went away) ends `batches`.
 */
export const xlsxStream = <Row>(
  sheetName: string,
  header: ReadonlyArray<XlsxCell>,
  cells: ReadonlyArray<(row: Row) => CellValue>,
  batches: AsyncIterator<ReadonlyArray<Row>>,
  footer: ReadonlyArray<XlsxCell>,
): ReadableStream<Uint8Array> => {
  let sheet: ZipNativeDeflate | undefined
  let zip: Zip | undefined
  let rows: SheetRows<Row> | undefined
  let enqueued = 0
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        zip = new Zip((error, chunk, final) => {
          if (error !== null) return controller.error(error)
          if (chunk.length > 0) {
            enqueued++
            controller.enqueue(chunk)
          }
          if (final) controller.close()
        })
        for (const [name, xml] of Object.entries(staticParts(sheetName))) {
          const part = new ZipNativeDeflate(name)
          zip.add(part)
          part.push(strToU8(xml), true)
        }
        const part = new ZipNativeDeflate("xl/worksheets/sheet1.xml")
        sheet = part
        zip.add(part)
        const out = new XmlChunks(chunkBytes, (bytes) => part.push(bytes))
        out.bytes(strToU8(sheetHead))
        rows = new SheetRows(out, cells)
        rows.fixed(header)
      },
      async pull() {
        if (rows === undefined) return
        // Batches until a chunk is handed on: a pull that enqueues nothing would not be called again.
        const before = enqueued
        while (enqueued === before) {
          const next = await batches.next()
          if (next.done === true) {
            rows.fixed(footer)
            rows.out.bytes(strToU8(sheetTail))
            rows.out.flush()
            sheet?.push(new Uint8Array(0), true)
            zip?.end()
            return
          }
          for (const row of next.value) rows.row(row)
        }
      },
      async cancel() {
        await batches.return?.()
      },
    },
    // Pull the next batch only once the bytes of the last one have been taken.
    { highWaterMark: 1 },
  )
}
