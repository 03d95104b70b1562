/**
 * A portal that switches its language by changing `<html lang>` (or a container's) expects the widgets already on
 * the page to follow. One observer for the document, started with the first element shown: any `lang` change asks
 * every element shown to render again (its text reads the nearest `lang` each time). An element's own `lang`
 * attribute is a property it renders from already.
 */
const shown = new Set<{ requestUpdate(): void }>()
let observer: MutationObserver | undefined

export const watchLang = (element: { requestUpdate(): void }): (() => void) => {
  shown.add(element)
  if (observer === undefined && typeof MutationObserver !== "undefined" && typeof document !== "undefined") {
    observer = new MutationObserver(() => {
      for (const each of shown) each.requestUpdate()
    })
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ["lang"], subtree: true })
  }
  return () => {
    shown.delete(element)
  }
}
