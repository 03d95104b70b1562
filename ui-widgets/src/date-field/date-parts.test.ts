import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { dateValueOf, formatDay, partOrder, partsOf, stepPart, validIsoDate } from "./date-parts.ts"

describe("#21 the date field's parts", () => {
  it("orders the parts as the element's language writes a date, whatever the machine's locale", () => {
    assert.deepEqual(partOrder("en"), ["month", "day", "year"])
    assert.deepEqual(partOrder("zh-CN"), ["year", "month", "day"])
  })

  it("gives YYYY-MM-DD for a real day, '' for nothing, and what was typed otherwise (refused by the form)", () => {
    assert.equal(dateValueOf({ year: "2027", month: "3", day: "5" }), "2027-03-05")
    assert.equal(dateValueOf({ year: "", month: "", day: "" }), "")
    assert.equal(dateValueOf({ year: "2027", month: "02", day: "30" }), "2027-02-30")
    assert.equal(validIsoDate(dateValueOf({ year: "2027", month: "02", day: "30" })), false)
    assert.equal(validIsoDate(dateValueOf({ year: "27", month: "1", day: "1" })), false)
    assert.equal(validIsoDate("2028-02-29"), true)
    assert.deepEqual(partsOf("2027-03-05"), { year: "2027", month: "03", day: "05" })
    assert.equal(partsOf("2027-3-5"), undefined)
  })

  it("arrow keys step a part within its range, days within the month", () => {
    const today = new Date(2027, 0, 15)
    assert.equal(stepPart({ year: "2027", month: "12", day: "" }, "month", 1, today).month, "01")
    assert.equal(stepPart({ year: "2027", month: "02", day: "28" }, "day", 1, today).day, "01")
    assert.equal(stepPart({ year: "2028", month: "02", day: "28" }, "day", 1, today).day, "29")
    assert.equal(stepPart({ year: "", month: "", day: "" }, "year", 1, today).year, "2027")
  })

  it("the summary writes the day in full in the element's language", () => {
    assert.equal(formatDay("2030-03-05", "zh-CN"), "2030年3月5日")
    assert.equal(formatDay("2030-03-05", "en"), "March 5, 2030")
  })
})
