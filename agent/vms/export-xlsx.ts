import writeExcelFile, { type Cell, type SheetData } from "write-excel-file/node"
import type { Lang, VmPage } from "../../core/index.ts"
import { type CellValue, type VmColumnName, vmColumns } from "./columns.ts"

const sheetNames = { en: "VMs", zh: "虚拟机" } as const
const dateFormat = "yyyy-mm-dd hh:mm"

const cellOf = (value: CellValue): Cell => {
  if (value instanceof Date) return { value, format: dateFormat }
  return value
}

const jsonCell = (value: unknown): CellValue => {
  if (value === null || value === undefined) return null
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean" || value instanceof Date) {
    return value
  }
  return JSON.stringify(value)
}

/** The totals row (L5): a label, then each summed column's total under it. */
const totalsRow = (page: VmPage, columns: ReadonlyArray<VmColumnName>, lang: Lang): Array<Cell> => {
  const label = lang === "zh" ? `合计（${page.total} 台）` : `Total (${page.total} ${page.total === 1 ? "VM" : "VMs"})`
  return columns.map((name, index) => {
    const total = vmColumns[name].total
    if (total !== undefined) return { value: page.totals[total], fontWeight: "bold" }
    return index === 0 ? { value: label, fontWeight: "bold" } : null
  })
}

/**
 * L6: the filtered list as one sheet: a header row in the caller's language, a row per VM with the chosen columns
 * (state names in Chinese for zh), and a totals row.
 */
export const vmSheet = (page: VmPage, columns: ReadonlyArray<VmColumnName>, lang: Lang): Promise<Buffer> => {
  const header: Array<Cell> = columns.map((name) => ({ value: vmColumns[name].header[lang], fontWeight: "bold" }))
  const rows: SheetData = page.rows.map((row) =>
    columns.map((name) => {
      const column = vmColumns[name]
      return cellOf(column.cell ? column.cell(row, lang) : jsonCell(column.value(row)))
    }),
  )
  const data: SheetData = [header, ...rows, totalsRow(page, columns, lang)]
  return writeExcelFile(data, { sheet: sheetNames[lang], stickyRowsCount: 1 }).toBuffer()
}

/** `vms-2027-01-31.xlsx`, or `虚拟机-2027-01-31.xlsx` in Chinese, as a Content-Disposition value. */
export const exportFileName = (lang: Lang, at: Date): string => {
  const day = at.toISOString().slice(0, 10)
  const ascii = `vms-${day}.xlsx`
  const name = lang === "zh" ? `虚拟机-${day}.xlsx` : ascii
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`
}
