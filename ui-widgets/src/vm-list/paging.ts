/**
 * Where the list's page starts (#23): its offset, and the cursors the API gave on the way there. Deep in a long
 * list an offset makes the database step over every row before the page; a cursor starts right after the row the
 * previous page ended on. The widget pages by offset near the top (a row added or removed above shows at once) and
 * by cursor past `farOffset` when it came there page by page. Cursors belong to one filter and sort: a new one
 * starts again from `firstPlace`.
 */
export interface PagePlace {
  readonly offset: number
  /** The cursor that leads to the page at each offset the user reached with "next". */
  readonly cursors: ReadonlyMap<number, string>
}

export const farOffset = 200

export const firstPlace: PagePlace = { offset: 0, cursors: new Map() }

/** The API's paging parameters for a place. */
export const pageParams = (place: PagePlace): { readonly offset: number } | { readonly cursor: string } => {
  const cursor = place.cursors.get(place.offset)
  return place.offset >= farOffset && cursor !== undefined ? { cursor } : { offset: place.offset }
}

/** The page at `place` arrived: keep its `next` as the way to the page after it. */
export const withNext = (place: PagePlace, next: string | null, pageSize: number): PagePlace =>
  next === null ? place : { ...place, cursors: new Map(place.cursors).set(place.offset + pageSize, next) }

/** Another page of the same list (‹ ›), keeping the cursors found so far. */
export const goTo = (place: PagePlace, offset: number): PagePlace => ({ ...place, offset: Math.max(0, offset) })
