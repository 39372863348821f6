import test from "ava";
import { tokenize } from "../../../server/engine/query/lexer.ts";
import { throwsCode } from "./helpers.ts";

const kinds = (src: string) => tokenize(src).map((t) => [t.kind, t.text]);

test("tokenize splits identifiers, type names, variables, numbers and punctuation", (t) => {
  t.deepEqual(kinds("query q($x: I32) { $p.age >= 3 1.5 <= != < > = ? @ [ ] , }"), [
    ["ident", "query"], ["ident", "q"], ["punct", "("], ["var", "x"], ["punct", ":"], ["type", "I32"],
    ["punct", ")"], ["punct", "{"], ["var", "p"], ["punct", "."], ["ident", "age"], ["punct", ">="],
    ["int", "3"], ["float", "1.5"], ["punct", "<="], ["punct", "!="], ["punct", "<"], ["punct", ">"],
    ["punct", "="], ["punct", "?"], ["punct", "@"], ["punct", "["], ["punct", "]"], ["punct", ","],
    ["punct", "}"], ["eof", ""],
  ]);
});

test("tokenize reads $_ as the wildcard variable and keeps keywords as identifiers", (t) => {
  t.deepEqual(kinds("$_ $snake_case2 not contains"), [
    ["var", "_"], ["var", "snake_case2"], ["ident", "not"], ["ident", "contains"], ["eof", ""],
  ]);
});

test("tokenize skips // and /* */ comments and tracks line:column across them", (t) => {
  const toks = tokenize("// one\n  $a /* two\nthree */ $b\n\t$c");
  t.deepEqual(toks.map((x) => [x.text, x.loc.line, x.loc.column]), [
    ["a", 2, 3], ["b", 3, 10], ["c", 4, 2], ["", 4, 4],
  ]);
});

test("tokenize unescapes string literals", (t) => {
  const [s] = tokenize(String.raw`"a\"b\\c\nd\te\rf\/g\u00e9\u{1F600}\0"`);
  t.is(s?.kind, "string");
  t.is(s?.text, 'a"b\\c\nd\te\rf/gé\u{1F600}\0');
});

test("tokenize keeps raw newlines inside strings and counts their lines", (t) => {
  const toks = tokenize('"a\nb" $x');
  t.is(toks[0]?.text, "a\nb");
  t.deepEqual(toks[1]?.loc, { line: 2, column: 4 });
});

const bad: [string, string, [number, number]][] = [
  ["unterminated string", '$a = "abc', [1, 6]],
  ["unknown escape", String.raw`"a\qb"`, [1, 3]],
  ["bad unicode escape", String.raw`"\u12"`, [1, 2]],
  ["unterminated block comment", "$a /* never", [1, 4]],
  ["upper-case variable", "$Foo", [1, 1]],
  ["bare dollar", "$ x", [1, 1]],
  ["negative number", "$a > -3", [1, 6]],
  ["number running into letters", "12abc", [1, 1]],
  ["stray character", "$a # b", [1, 4]],
];
for (const [label, src, loc] of bad) {
  test(`tokenize refuses ${label} with ERR_PARSE`, (t) => {
    throwsCode(t, () => tokenize(src), "ERR_PARSE", loc);
  });
}
