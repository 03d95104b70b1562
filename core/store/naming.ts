import { CamelCasePlugin } from "kysely"

/**
 * camelCase in TypeScript, snake_case in SQL. The model spells units as MiB and GiB; the stock plugin would make
 * `memory_mi_b` of them, so those two words map to `mib` / `gib` and back.
 */
export class HyperxCamelCasePlugin extends CamelCasePlugin {
  constructor() {
    // Nested keys belong to jsonb values (tags, task params): they must come back exactly as written.
    super({ maintainNestedObjectKeys: true })
  }

  protected override snakeCase(str: string): string {
    return super.snakeCase(str.replace(/[MG]iB/g, (unit) => `_${unit.toLowerCase()}`))
  }

  protected override camelCase(str: string): string {
    return super.camelCase(str).replace(/([MG])ib(?=[A-Z]|$)/g, "$1iB")
  }
}
