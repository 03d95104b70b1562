/** Save a file the API sent under its name, as a browser download (an object URL and a link clicked once). */
export const saveFile = (root: Node, blob: Blob, fileName: string): void => {
  const url = URL.createObjectURL(blob)
  const link = document.createElement("a")
  link.href = url
  link.download = fileName
  root.appendChild(link)
  link.click()
  link.remove()
  // The download has its own copy by the time this runs; the URL would otherwise live as long as the page.
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
