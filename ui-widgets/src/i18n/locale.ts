/** The languages the widgets speak. */
export type Locale = "en" | "zh-CN"

/**
 * A BCP 47 tag to a locale the widgets have: every Chinese tag (zh, zh-CN, zh-Hans, zh-Hans-CN, zh-SG, zh-TW) falls
 * back to zh-CN, whose text a Chinese reader can use; anything else, or nothing, is English.
 */
export const resolveLocale = (tag: string | null | undefined): Locale => {
  const primary = (tag ?? "").trim().toLowerCase().split(/[-_]/)[0]
  return primary === "zh" ? "zh-CN" : "en"
}

/**
 * The language an element speaks: its own lang attribute, else the nearest ancestor's (through shadow roots), else
 * the page's, else the browser's. A portal that sets <html lang="zh-CN"> gets Chinese widgets without more work.
 */
export const localeOf = (element: Element): Locale => {
  let node: Node | null = element
  while (node !== null) {
    if (node instanceof Element && node.hasAttribute("lang")) return resolveLocale(node.getAttribute("lang"))
    node = node.parentNode ?? (node instanceof ShadowRoot ? node.host : null)
  }
  return resolveLocale(globalThis.navigator?.language)
}
