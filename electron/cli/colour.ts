// Colour for people at a terminal, never for pipes or files, and never when NO_COLOR is set
// (https://no-color.org) or the terminal is "dumb".
const codes = { dim: [2, 22], bold: [1, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], cyan: [36, 39] } as const;
export type Style = keyof typeof codes;

export function colourEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return !!stream.isTTY && env.NO_COLOR === undefined && env.TERM !== 'dumb';
}

export function painter(enabled: boolean): (style: Style, text: string) => string {
  return (style, text) => (enabled ? `\x1b[${codes[style][0]}m${text}\x1b[${codes[style][1]}m` : text);
}
