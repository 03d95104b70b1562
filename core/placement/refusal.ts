import { RuleViolation } from "../errors.ts"
import type { Operation } from "../model/operation.ts"
import type { Exclusion, Placement } from "./place.ts"

const listed = (excluded: ReadonlyArray<Exclusion>, lang: "en" | "zh") =>
  excluded
    .map((e) => `${e.constraint.label[lang]}${lang === "en" ? ": " : "："}${e.hostIds.join(", ")}`)
    .join(lang === "en" ? "; " : "；")

/**
 * A refused placement as the API's refusal: the rule of the constraint that ruled out the last hosts, and which
 * constraint ruled out which hosts ("ruled out by state: h3; capacity: h1, h2"). Host ids, not names: they are
 * what the hosts API answers with, and a refusal never needs another query.
 */
export const placementRefusal = (operation: Operation, placement: Extract<Placement, { _tag: "Refused" }>) => {
  const { refusedBy, excluded } = placement
  const none = excluded.length === 0
  return new RuleViolation({
    rule: refusedBy.rule,
    operation,
    kind: "conflict",
    message: none ? "No host is registered" : `No host can take the VM(s); ruled out by ${listed(excluded, "en")}`,
    messageZh: none ? "没有已登记的主机" : `没有主机可以容纳该虚拟机；排除原因：${listed(excluded, "zh")}`,
  })
}
