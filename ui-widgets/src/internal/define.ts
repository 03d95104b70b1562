/**
 * Register a custom element once. A second copy of the bundle on the page (another portal module, another version)
 * finds the tag taken and leaves the first registration alone instead of throwing, as Shoelace's define() does.
 * Returns the class that owns the tag now.
 */
export const defineElement = (tag: string, element: CustomElementConstructor): CustomElementConstructor => {
  const registry = globalThis.customElements
  const existing = registry.get(tag)
  if (existing !== undefined) return existing
  registry.define(tag, element)
  return element
}
