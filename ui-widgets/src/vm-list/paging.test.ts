import assert from "node:assert/strict"
import { describe, it } from "node:test"
import { farOffset, firstPlace, goTo, pageParams, withNext } from "./paging.ts"

describe("the list's paging", () => {
  it("L4 #23 pages near the top by offset and far pages by the cursor the previous page gave", () => {
    const size = 50
    let place = firstPlace
    const asked: Array<ReturnType<typeof pageParams>> = []
    for (let page = 0; page * size <= farOffset + size; page++) {
      asked.push(pageParams(place))
      place = goTo(withNext(place, `after-${place.offset + size - 1}`, size), place.offset + size)
    }
    assert.deepEqual(asked.slice(0, 4), [{ offset: 0 }, { offset: 50 }, { offset: 100 }, { offset: 150 }])
    assert.deepEqual(asked.slice(4), [{ cursor: "after-199" }, { cursor: "after-249" }])
    assert.deepEqual(
      pageParams(goTo(place, place.offset - 2 * size)),
      { cursor: "after-199" },
      "back a page, by cursor",
    )
  })

  it("L4 a far page reached without a cursor, or after the last page, falls back to the offset", () => {
    assert.deepEqual(pageParams(goTo(firstPlace, 5000)), { offset: 5000 })
    const last = withNext(goTo(firstPlace, 300), null, 50)
    assert.deepEqual(pageParams(goTo(last, 350)), { offset: 350 })
  })
})
