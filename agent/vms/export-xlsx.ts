import type { Lang, VmCursor, VmSheetPage, VmSheetRow } from "../../core/index.ts"
import { type VmColumnName, vmColumns } from "./columns.ts"
import type { CellValue, XlsxCell } from "./sheet-xml.ts"
import { xlsxStream } from "./xlsx-stream.ts"

const sheetNames = { en: "VMs", zh: "虚拟机" } as const

/**
 * Rows the export reads from the store at a time; it holds two (one being written, the next being read). Small, so
 * that a batch's rows die young (#23): a batch lives while it is read, copied and written, and whatever outlives two
 * young collections (one of the agent's 2 MiB semi-space fills, agent/start/heap.ts) goes to the old generation as
 * garbage that only a full collection frees. 100,000 rows, agent's flags (bench/api-list/export-in-agent.ts): the
 * default 11 columns in batches of 1,000 promoted 76 MiB and grew the agent's RSS by 54 MiB, in batches of 500 by
 * 13-17 and 12-28 MiB, of 250 by 3.5 and 15 MiB; all 29 columns, 1,000: +130 MiB RSS, 500: +80, 250: +9 to +17.
 * Each batch is one keyset query (~5 ms of the server's time for 250 rows at 100,000 VMs), so fewer would be faster.
 */
export const exportBatchSize = 250

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
  // The next batch is asked for before this one is turned into cells and deflated, so that the database reads it
  // meanwhile: at most two batches are held.
  async function* batches() {
    let page: VmSheetPage = first
    for (;;) {
      const next = page.next === undefined ? undefined : after(page.next)
      // Awaited below, unless the client goes away first: then its failure is no one's to report.
      next?.catch(() => undefined)
      yield page.rows
      if (next === undefined) return
      page = await next
    }
  }
  const cells = columns.map((name) => cellOf(name, lang))
  return xlsxStream(sheetNames[lang], header, cells, batches(), totalsRow(first, columns, lang))
}

/** `vms-2027-01-31.xlsx`, or `虚拟机-2027-01-31.xlsx` in Chinese, as a Content-Disposition value. */
export const exportFileName = (lang: Lang, at: Date): string => {
  const day = at.toISOString().slice(0, 10)
  const ascii = `vms-${day}.xlsx`
  const name = lang === "zh" ? `虚拟机-${day}.xlsx` : ascii
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`
}
