import test from "ava";
import { printSchema } from "../../../server/engine/schema/print.ts";
import { compileSchema } from "../../../server/engine/schema/validate.ts";
import { FIXTURES, fixture } from "./support.ts";

test("printSchema writes canonical .pg text (golden)", (t) => {
  const c = compileSchema(`interface Titled { title: String @key }
// comment
node Paper @description("A \\"paper\\"") @tag(core, n=-0.5) implements Titled {
  year: I32? @index @rename_from("yr")
  tiny: F64?
  embedding: Vector(4)? @embed("title", model="m")
  @range(year, 1900..)
  @range(tiny, 0.0000001..1)
  @check(title, "^\\\\w")
}
edge Cites: Paper -> Paper @card(0..2) @instruction("cite")
edge Likes: Paper -> Paper { @unique(src, dst) }`);
  t.is(printSchema(c), `interface Titled {
  title: String @key
}

node Paper @description("A \\"paper\\"") @tag("core", n=-0.5) implements Titled {
  year: I32? @rename_from("yr")
  tiny: F64?
  embedding: Vector(4)? @embed("title", model="m")
  title: String
  @key(title)
  @index(year)
  @range(year, 1900..)
  @range(tiny, 0.0000001..1)
  @check(title, "^\\\\w")
}

edge Cites: Paper -> Paper @card(0..2) @instruction("cite")

edge Likes: Paper -> Paper {
  @unique(src, dst)
}
`);
});

for (const name of FIXTURES) {
  test(`printSchema of ${name}.pg compiles back to the same catalog`, (t) => {
    const c = compileSchema(fixture(name));
    const printed = printSchema(c);
    t.deepEqual(compileSchema(printed, c), { ...c, source: printed });
  });
}
