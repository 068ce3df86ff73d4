/**
 * Where each value of a JSON text sits, by path ("tools[1].permission" → its
 * line), so an importer's error naming a field can be shown next to that
 * line; and where a syntax error is, in words, before anything is sent.
 */

export type JsonSyntaxError = { line: number; column: number; message: string };
export type JsonLocations = { lines: Map<string, number>; syntaxError: JsonSyntaxError | null };

class SyntaxAt extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/** 1-based line and column of an offset (line starts found once, then a binary search per lookup). */
function positions(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  };
}

/** Paths of every key and value in `text` with their line; or the first syntax error. */
export function locateJson(text: string): JsonLocations {
  const offsets = new Map<string, number>();
  let pos = 0;
  const ws = () => {
    while (pos < text.length && " \t\n\r".includes(text[pos]!)) pos++;
  };
  const describe = () => (pos >= text.length ? "the text ends too early" : `unexpected ${JSON.stringify(text[pos])}`);
  const expect = (char: string, what: string) => {
    ws();
    if (text[pos] !== char) throw new SyntaxAt(pos, `expected ${what}, but ${describe()}`);
    pos++;
  };
  const string = (): string => {
    STRING.lastIndex = pos;
    const match = STRING.exec(text);
    if (match === null) throw new SyntaxAt(pos, text[pos] === '"' ? "this string is not closed or has a bad escape" : `expected a string in double quotes, but ${describe()}`);
    pos += match[0].length;
    return JSON.parse(match[0]) as string;
  };
  const record = (path: string, at: number) => {
    if (!offsets.has(path)) offsets.set(path, at);
  };
  const value = (path: string): void => {
    ws();
    record(path, pos);
    const char = text[pos];
    if (char === "{") {
      pos++;
      ws();
      if (text[pos] === "}") {
        pos++;
        return;
      }
      for (;;) {
        ws();
        const keyAt = pos;
        const key = string();
        const child = path === "" ? key : `${path}.${key}`;
        record(child, keyAt);
        expect(":", "':' after the key");
        value(child);
        ws();
        if (text[pos] === ",") {
          pos++;
          continue;
        }
        expect("}", "',' or '}'");
        return;
      }
    }
    if (char === "[") {
      pos++;
      ws();
      if (text[pos] === "]") {
        pos++;
        return;
      }
      for (let i = 0; ; i++) {
        value(`${path}[${i}]`);
        ws();
        if (text[pos] === ",") {
          pos++;
          continue;
        }
        expect("]", "',' or ']'");
        return;
      }
    }
    if (char === '"') {
      string();
      return;
    }
    for (const literal of ["true", "false", "null"]) {
      if (text.startsWith(literal, pos)) {
        pos += literal.length;
        return;
      }
    }
    NUMBER.lastIndex = pos;
    const number = NUMBER.exec(text);
    if (number !== null && number[0] !== "") {
      pos += number[0].length;
      return;
    }
    throw new SyntaxAt(pos, `expected a value, but ${describe()}`);
  };

  try {
    value("");
    ws();
    if (pos < text.length) throw new SyntaxAt(pos, "there is more text after the JSON value");
  } catch (error) {
    if (!(error instanceof SyntaxAt)) throw error;
    return { lines: new Map(), syntaxError: { ...positions(text)(error.offset), message: error.message } };
  }
  const at = positions(text);
  const lines = new Map<string, number>();
  for (const [path, offset] of offsets) lines.set(path, at(offset).line);
  return { lines, syntaxError: null };
}

/** The line of `path`, or of its nearest parent that is in the text ("" = line 1). */
export function lineOfPath(locations: JsonLocations, path: string): number {
  for (let at = path; ; ) {
    const line = locations.lines.get(at);
    if (line !== undefined) return line;
    if (at === "") return 1;
    const cut = Math.max(at.lastIndexOf("."), at.lastIndexOf("["));
    at = cut <= 0 ? "" : at.slice(0, cut);
  }
}
