import { en, type Messages } from "./en.ts"
import type { Locale } from "./locale.ts"
import { zhCN } from "./zh-cn.ts"

export type { Messages } from "./en.ts"
export { type Locale, localeOf, resolveLocale } from "./locale.ts"

const translations: Readonly<Record<Locale, Messages>> = { en, "zh-CN": zhCN }

export const messagesFor = (locale: Locale): Messages => translations[locale]

/** Memory in MiB as people read it: whole GiB from 1 GiB up. */
export const formatMemory = (mib: number): string =>
  mib >= 1024 ? `${Number.isInteger(mib / 1024) ? mib / 1024 : (mib / 1024).toFixed(1)} GiB` : `${mib} MiB`

/** A price in minor units (fen, cents) in the locale's currency format. */
export const formatMoney = (minor: number, locale: Locale, currency: string): string => {
  try {
    return new Intl.NumberFormat(locale, { style: "currency", currency }).format(minor / 100)
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`
  }
}

/** A size in bytes as people read it (B, KiB, MiB, GiB, TiB), in the locale's digits. */
export const formatBytes = (bytes: number, locale: Locale): string => {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"]
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: unit === 0 ? 0 : 1 }).format(value)} ${units[unit]}`
}

export const formatDateTime = (iso: string | null | undefined, locale: Locale): string => {
  if (iso === null || iso === undefined || iso === "") return "—"
  const date = new Date(iso)
  return Number.isNaN(date.getTime())
    ? iso
    : new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(date)
}
