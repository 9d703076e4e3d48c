// ANSI SGR colour codes in console lines, turned into styled text segments (never HTML).
export interface Segment {
  text: string;
  cls: string;
}

const BASIC = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"];
// eslint-disable-next-line no-control-regex
const CSI = /\x1b\[([0-9;?]*)([A-Za-z])/g;

export function parseAnsi(line: string): Segment[] {
  const out: Segment[] = [];
  let fg = "";
  let bg = "";
  let bold = false;
  let dim = false;
  let italic = false;
  let underline = false;
  let last = 0;
  const cls = () =>
    [fg && `fg-${fg}`, bg && `bg-${bg}`, bold && "b", dim && "dim", italic && "i", underline && "u"]
      .filter(Boolean)
      .join(" ");
  const push = (text: string) => {
    if (text) out.push({ text, cls: cls() });
  };
  for (const m of line.matchAll(CSI)) {
    push(line.slice(last, m.index));
    last = (m.index ?? 0) + m[0].length;
    if (m[2] !== "m") continue;
    const codes = m[1] === "" ? [0] : m[1].split(";").map((c) => Number(c) || 0);
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i];
      if (c === 0) { fg = bg = ""; bold = dim = italic = underline = false; }
      else if (c === 1) bold = true;
      else if (c === 2) dim = true;
      else if (c === 3) italic = true;
      else if (c === 4) underline = true;
      else if (c === 22) bold = dim = false;
      else if (c === 23) italic = false;
      else if (c === 24) underline = false;
      else if (c >= 30 && c <= 37) fg = BASIC[c - 30];
      else if (c === 39) fg = "";
      else if (c >= 40 && c <= 47) bg = BASIC[c - 40];
      else if (c === 49) bg = "";
      else if (c >= 90 && c <= 97) fg = `bright-${BASIC[c - 90]}`;
      else if (c >= 100 && c <= 107) bg = `bright-${BASIC[c - 100]}`;
      else if ((c === 38 || c === 48) && codes[i + 1] === 5) i += 2; // 256 colours: ignored
      else if ((c === 38 || c === 48) && codes[i + 1] === 2) i += 4; // truecolour: ignored
    }
  }
  push(line.slice(last));
  // Other control characters (carriage returns, bells) are dropped.
  // eslint-disable-next-line no-control-regex
  return out.map((s) => ({ ...s, text: s.text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "") }));
}

export function stripAnsi(line: string): string {
  return line.replace(CSI, "");
}
