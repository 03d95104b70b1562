import type { Bilingual } from "../errors/api-error.ts"

const typeNamesZh: Record<string, string> = {
  string: "字符串",
  number: "数字",
  boolean: "布尔值",
  object: "对象",
  array: "数组",
  integer: "整数",
  "an integer": "整数",
  null: "null",
}

/** Effect Schema's English messages → Chinese, for the messages the API's schemas produce; else a generic wrapper. */
const zhPatterns: ReadonlyArray<readonly [RegExp, (m: RegExpMatchArray) => string]> = [
  [/^Missing key$/, () => "缺少必填字段"],
  [/^(Expected no excess property|Unexpected key with value .*)$/, () => "不支持该字段"],
  [
    /^Expected (string|number|boolean|object|array|integer|an integer|null)(, got .*)?$/,
    (m) => `应为${typeNamesZh[m[1] ?? ""]}`,
  ],
  [/^Expected a value with a length of at most (\d+)/, (m) => `长度不能超过 ${m[1]}`],
  [/^Expected a value with a length of at least (\d+)/, (m) => `长度不能少于 ${m[1]}`],
  [/^Expected a value with at least (\d+) (entries|properties)/, (m) => `至少需要 ${m[1]} 项`],
  [/^Expected a value with at most (\d+) (entries|properties)/, (m) => `最多允许 ${m[1]} 项`],
  [/^Expected a value between (\S+) and (\S+)/, (m) => `应介于 ${m[1]} 与 ${m[2]} 之间`],
  [/^Expected a value greater than or equal to (\S+)/, (m) => `应大于或等于 ${m[1]}`],
  [/^Expected a value less than or equal to (\S+)/, (m) => `应小于或等于 ${m[1]}`],
  [/^Expected a valid Date/, () => "应为有效的日期时间（ISO 8601，例如 2027-01-31T00:00:00Z）"],
  [/^Expected (".*")(, got .*)?$/, (m) => `应为以下值之一：${m[1]}`],
  [/^Expected an id /, () => "应为 ID（1-64 个字母、数字或 . _ : -）"],
  [/^Expected text without control characters$/, () => "不能包含控制字符"],
  [/^Expected an ISO 8601 date-time/, () => "应为 ISO 8601 日期时间，例如 2027-01-31T00:00:00Z"],
  [/^Expected true or false$/, () => "应为 true 或 false"],
  [/^Expected a non-negative integer$/, () => "应为非负整数"],
  [/^Expected tag filters as key:value$/, () => "标签过滤应为 key:value 形式"],
]

export const messageZh = (message: string): string => {
  for (const [pattern, render] of zhPatterns) {
    const match = message.match(pattern)
    if (match) return render(match)
  }
  return `格式不正确（${message}）`
}

const targetNames: Record<string, Bilingual> = {
  json: { en: "body", zh: "请求体" },
  query: { en: "query", zh: "查询参数" },
  param: { en: "path", zh: "路径参数" },
}

/** A Standard Schema issue, as validators report it. */
export interface Issue {
  readonly message: string
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined
}

const segmentOf = (segment: PropertyKey | { readonly key: PropertyKey }): string => {
  const key = typeof segment === "object" ? segment.key : segment
  return typeof key === "number" ? `[${key}]` : `.${String(key)}`
}

/** Up to five issues as one readable line per language: `body.count: Expected number; …`. */
export const describeIssues = (issues: ReadonlyArray<Issue>, target: string): Bilingual => {
  const where = targetNames[target] ?? { en: target, zh: target }
  // A key of an object that takes none (Record of Never) is an excess property too.
  const shown = issues
    .slice(0, 5)
    .map((issue) => (issue.message === "Expected never" ? { ...issue, message: "Expected no excess property" } : issue))
  const line = (lang: keyof Bilingual, render: (message: string) => string) =>
    shown
      .map((issue) => `${where[lang]}${(issue.path ?? []).map(segmentOf).join("")}: ${render(issue.message)}`)
      .join("; ") + (issues.length > shown.length ? ` (+${issues.length - shown.length})` : "")
  return { en: line("en", (m) => m), zh: line("zh", messageZh) }
}
