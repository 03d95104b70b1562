// @types/novnc__novnc 1.6 declares only "@novnc/novnc/lib/rfb"; 1.7's package exports the same class as its root.
declare module "@novnc/novnc" {
  export { default } from "@novnc/novnc/lib/rfb"
}
