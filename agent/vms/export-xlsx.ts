import type { Lang, VmCursor, VmSheetPage, VmSheetRow } from "../../core/index.ts"
import { type VmColumnName, vmColumns } from "./columns.ts"
import type { CellValue, XlsxCell } from "./sheet-xml.ts"
import { xlsxStream } from "./xlsx-stream.ts"

const sheetNames = { en: "VMs", zh: "虚拟机" } as const

/**
 * Rows the export reads from the store at a time for a sheet of `columnCount` columns; it holds two batches (one
 * being written, the next being read). Small enough that a batch's rows die young (#23): whatever outlives two young
 * collections goes to the old generation as garbage that only a full collection frees, and with the agent's 2 MiB
 * semi-space (agent/start/heap.ts) a batch must allocate well under that while it is read, copied and written:
 * about 2.9 KiB a row with the default 11 columns, 6 with all 29, so rows in inverse proportion to columns. No
 * smaller than needed either: each batch is one keyset query and round trip (~5 ms of the server's time for 250 rows
 * at 100,000 VMs, and a few of overhead). 100,000 rows, agent's flags, the batch let go once written (vmSheet), the
 * agent's RSS growth (bench/api-list/export-in-agent.ts): default columns in batches of 1,000 +39 MiB (89 promoted),
 * 750 +53 (58), 500 +14 (3.5); all columns in batches of 500 +112 (167), 350 +55 (107), 206 +18 (6).
 */
export const exportBatchRows = (columnCount: number): number =>
  Math.min(400, Math.max(100, Math.floor(5000 / Math.max(1, columnCount))))

const jsonCell = (value: unknown): CellValue => {
  if (value === null || value === undefined) return null
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean" || value instanceof Date) {
    return value
  }
  return JSON.stringify(value)
}

/** The totals row (L5): a label, then each summed column's total under it. */
const totalsRow = (page: VmSheetPage, columns: ReadonlyArray<VmColumnName>, lang: Lang): Array<XlsxCell> => {
  const label = lang === "zh" ? `合计（${page.total} 台）` : `Total (${page.total} ${page.total === 1 ? "VM" : "VMs"})`
  return columns.map((name, index) => {
    const total = vmColumns[name].total
    if (total !== undefined) return { value: page.totals[total], bold: true }
    return { value: index === 0 ? label : null, bold: true }
  })
}

/** A column's cell, read from a row as the row is written (no object per cell, #23). */
const cellOf = (name: VmColumnName, lang: Lang): ((row: VmSheetRow) => CellValue) => {
  const { field, cell } = vmColumns[name]
  return cell === undefined ? (row) => jsonCell(row[field]) : (row) => cell(row[field], lang)
}

/**
 * L6: the filtered list as one sheet: a header row in the caller's language, a row per VM with the chosen columns
 * (state names in Chinese for zh), and a totals row. `first` is the first batch with the totals (read before the
 * response starts, so that a refusal is still an error status); `after` reads each next batch, without totals, as
 * the client takes the bytes. Rows are read by keyset cursor, batch after batch: a VM changed meanwhile shows as it
 * was when its batch was read, and the totals are those of the first batch's moment.
 */
export const vmSheet = (
  first: VmSheetPage,
  after: (cursor: VmCursor) => Promise<VmSheetPage>,
  columns: ReadonlyArray<VmColumnName>,
  lang: Lang,
): ReadableStream<Uint8Array> => {
  const header = columns.map((name) => ({ value: vmColumns[name].header[lang], bold: true }))
  // The next batch is asked for before this one is written and deflated, so that the database reads it meanwhile: at
  // most two batches are held. A batch is let go as soon as it is written, not when the next arrives: while the
  // agent waits for the database is when a young collection is likeliest, and a batch still held then and at the
  // next one goes to the old generation (#23). The first page comes in as the argument, so nothing keeps it either.
  async function* batches(first: VmSheetPage) {
    let page: VmSheetPage | undefined = first
    while (page !== undefined) {
      const next: Promise<VmSheetPage> | undefined = page.next === undefined ? undefined : after(page.next)
      // Awaited below, unless the client goes away first: then its failure is no one's to report.
      next?.catch(() => undefined)
      let rows: ReadonlyArray<VmSheetRow> | undefined = page.rows
      page = undefined
      yield rows
      rows = undefined
      page = await next
    }
  }
  const cells = columns.map((name) => cellOf(name, lang))
  const totals = totalsRow(first, columns, lang)
  return xlsxStream(sheetNames[lang], header, cells, batches(first), totals)
}

/** `vms-2027-01-31.xlsx`, or `虚拟机-2027-01-31.xlsx` in Chinese, as a Content-Disposition value. */
export const exportFileName = (lang: Lang, at: Date): string => {
  const day = at.toISOString().slice(0, 10)
  const ascii = `vms-${day}.xlsx`
  const name = lang === "zh" ? `虚拟机-${day}.xlsx` : ascii
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`
}
