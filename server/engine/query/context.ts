/**
 * State shared by the type checker's passes: the catalog, the declared
 * parameters, and how to report an `ERR_TYPE` at a source location.
 */
import { EngineError, excerptAt, type EngineErrorCode, type SourceLocation } from "../errors.ts";
import type { Catalog, EdgeType, NodeType } from "../schema/catalog.ts";
import type { ParamDecl } from "./typed.ts";

export class CheckContext {
  readonly params = new Map<string, ParamDecl>();

  constructor(
    readonly catalog: Catalog,
    /** The query source, when known, for error excerpts. */
    readonly source: string | undefined,
  ) {}

  /** Throws a typed error (default `ERR_TYPE`) located in the query source. */
  fail(message: string, location: SourceLocation, code: EngineErrorCode = "ERR_TYPE"): never {
    throw new EngineError(code, message, {
      location,
      excerpt: this.source === undefined ? undefined : excerptAt(this.source, location),
    });
  }
}

/** What a match variable stands for. */
export type VarInfo = { kind: "node"; type: NodeType } | { kind: "edge"; type: EdgeType };

/**
 * Variables of one match scope (the top-level match or a `not { … }` block),
 * chained to the enclosing scope. Records whether the scope (or a scope nested
 * in it) read a variable of an enclosing scope, which a negation requires.
 */
export class VarScope {
  private readonly vars = new Map<string, VarInfo>();
  /** True once a lookup from this scope or a nested one resolved in an enclosing scope. */
  usesOuter = false;

  constructor(readonly parent: VarScope | undefined) {}

  define(name: string, info: VarInfo): void {
    this.vars.set(name, info);
  }

  /** Whether `name` is defined in this very scope (not an enclosing one). */
  owns(name: string): boolean {
    return this.vars.has(name);
  }

  /** Resolves `name` through the enclosing scopes, marking outer references. */
  lookup(name: string): VarInfo | undefined {
    const own = this.vars.get(name);
    if (own) return own;
    const marked: VarScope[] = [this];
    for (let s = this.parent; s; s = s.parent) {
      const found = s.vars.get(name);
      if (found) {
        for (const m of marked) m.usesOuter = true;
        return found;
      }
      marked.push(s);
    }
    return undefined;
  }
}
