// Values spliced into the sh scripts we send on stdin (see ../exec.ts): single-quoted, so sh
// takes them literally whatever they contain.
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
