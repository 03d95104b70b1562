import type { Locale } from "../i18n/locale.ts"

/** #21: a date as the user types it, one part each. */
export interface DateParts {
  readonly year: string
  readonly month: string
  readonly day: string
}

export type DatePart = keyof DateParts

export const emptyDate: DateParts = { year: "", month: "", day: "" }

/** Each part's label, placeholder, width (digits) and the text shown after it, in the element's language. */
export const dateText: Readonly<
  Record<
    Locale,
    {
      readonly labels: Readonly<Record<DatePart, string>>
      readonly placeholders: Readonly<Record<DatePart, string>>
      readonly after: Readonly<Record<DatePart, string>>
      readonly format: string
    }
  >
> = {
  en: {
    labels: { year: "Year", month: "Month", day: "Day" },
    placeholders: { year: "yyyy", month: "mm", day: "dd" },
    after: { year: "", month: "", day: "" },
    format: "mm/dd/yyyy",
  },
  "zh-CN": {
    labels: { year: "年", month: "月", day: "日" },
    placeholders: { year: "", month: "", day: "" },
    after: { year: "年", month: "月", day: "日" },
    format: "yyyy年mm月dd日",
  },
}

export const digits: Readonly<Record<DatePart, number>> = { year: 4, month: 2, day: 2 }

/** The parts in the order the language writes a date (en: month, day, year; zh-CN: year, month, day). */
export const partOrder = (locale: Locale): ReadonlyArray<DatePart> =>
  new Intl.DateTimeFormat(locale, { year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(new Date(2000, 0, 2))
    .map((part) => part.type)
    .filter((type): type is DatePart => type === "year" || type === "month" || type === "day")

const pad = (text: string, width: number) => text.padStart(width, "0")

/** Whether `text` is a real calendar day written YYYY-MM-DD (2027-02-30 is not). */
export const validIsoDate = (text: string): boolean => {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  if (match === null) return false
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

/**
 * The field's value for what is typed: "" when nothing is, YYYY-MM-DD when the parts make a real day, otherwise the
 * parts as typed joined by "-" (not a valid date: the form refuses it with its rule).
 */
export const dateValueOf = (parts: DateParts): string => {
  if (parts.year === "" && parts.month === "" && parts.day === "") return ""
  const iso = `${pad(parts.year, 4)}-${pad(parts.month, 2)}-${pad(parts.day, 2)}`
  return parts.year.length === 4 && validIsoDate(iso) ? iso : `${parts.year}-${parts.month}-${parts.day}`
}

/** The parts of a YYYY-MM-DD value; anything else: undefined. */
export const partsOf = (value: string): DateParts | undefined => {
  if (value === "") return emptyDate
  if (!validIsoDate(value)) return undefined
  const [year = "", month = "", day = ""] = value.split("-")
  return { year, month, day }
}

/** ArrowUp / ArrowDown on a part: one more or less, wrapping within the part's range (day: within that month). */
export const stepPart = (parts: DateParts, part: DatePart, by: 1 | -1, today: Date): DateParts => {
  const year = Number(parts.year) || today.getFullYear()
  const month = Number(parts.month) || today.getMonth() + 1
  const lastDay = new Date(year, month, 0).getDate()
  const [min, max, current] =
    part === "year"
      ? [1, 9999, Number(parts.year) || today.getFullYear() - by]
      : part === "month"
        ? [1, 12, Number(parts.month) || 0]
        : [1, lastDay, Number(parts.day) || 0]
  let next = current + by
  if (next > max) next = min
  if (next < min) next = max
  return { ...parts, [part]: pad(String(next), digits[part]) }
}

/** A YYYY-MM-DD day as the language writes it in full (zh-CN: 2030年3月5日; en: March 5, 2030); other text as is. */
export const formatDay = (value: string, locale: Locale): string =>
  validIsoDate(value)
    ? new Intl.DateTimeFormat(locale, { dateStyle: "long" }).format(new Date(`${value}T00:00:00`))
    : value
