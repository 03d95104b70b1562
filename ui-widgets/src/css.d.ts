/** esbuild's text loader: a stylesheet imported as its text, for a shadow root (build.ts: loader ".css": "text"). */
declare module "*.css" {
  const text: string
  export default text
}
