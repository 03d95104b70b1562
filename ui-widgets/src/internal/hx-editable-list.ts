import type { PropertyDeclarations } from "lit"
import { HxElement } from "./hx-element.ts"

/**
 * What a list the user edits in place shares (<hx-key-pairs>, <hx-affinity-groups>, <hx-recycle-bin>): one change at
 * a time (`busy`), the API's refusal shown (`error`), the row whose deletion waits for confirmation (`deleting`), and
 * a reload after each change that went through.
 */
export abstract class HxEditableList extends HxElement {
  static override properties: PropertyDeclarations = {
    error: { state: true },
    busy: { state: true },
    deleting: { state: true },
  }

  declare protected error: string
  declare protected busy: boolean
  /** The id of the row whose deletion waits for the second click. */
  declare protected deleting: string

  constructor() {
    super()
    this.error = ""
    this.busy = false
    this.deleting = ""
  }

  /** Run one change: busy meanwhile, its refusal shown, the list reloaded once it went through. */
  protected async change(work: () => Promise<void>): Promise<void> {
    this.busy = true
    try {
      await work()
      this.error = ""
      await this.reload()
    } catch (error) {
      this.error = this.report(error).message
    } finally {
      this.busy = false
    }
  }
}
