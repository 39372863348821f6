import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StoreBase } from "./base.ts";
import { bodyToBuffer } from "./body.ts";
import type {
  DeleteOptions, GetResult, LanceLocation, ListPage, ListPageOptions, ObjectInfo, PutBody, PutOptions, PutResult,
} from "./contract.ts";
import { MAX_PAGE } from "./contract.ts";
import { NotFound, PreconditionFailed } from "./errors.ts";
import { compareKeys, validateKey, validatePrefix } from "./keys.ts";

interface Stored {
  body: Buffer;
  version: string;
  writerToken: string | undefined;
  lastModified: Date;
}

interface Space {
  objects: Map<string, Stored>;
  lanceDir: string | undefined;
}

/** Named memory stores, so `memory://name` opened twice in one process is one store. */
const registry = new Map<string, Space>();
let versionSeq = 0;
process.once("exit", () => {
  for (const space of registry.values()) if (space.lanceDir) rmSync(space.lanceDir, { recursive: true, force: true });
});

/**
 * In-process store for tests. `memory://name` shares objects between handles of one
 * process. LanceDB cannot see process memory, so `lance()` points at a temporary
 * directory owned by the named store, removed by `MemoryStore.reset(name)` or at exit.
 */
export class MemoryStore extends StoreBase {
  readonly kind = "memory" as const;
  readonly description: string;
  readonly capabilities = { writerToken: true, conditionalDelete: true };
  private readonly space: Space;


  constructor(readonly name: string) {
    super();
    this.description = `memory://${name}`;
    let space = registry.get(name);
    if (!space) {
      space = { objects: new Map(), lanceDir: undefined };
      registry.set(name, space);
    }
    this.space = space;
  }

  private get objects(): Map<string, Stored> {
    return this.space.objects;
  }

  private info(key: string, o: Stored): ObjectInfo {
    return { key, size: o.body.length, version: o.version, lastModified: o.lastModified, writerToken: o.writerToken };
  }

  private mustGet(key: string, op: string): Stored {
    const o = this.objects.get(key);
    if (!o) throw new NotFound(`no object at ${JSON.stringify(key)}`, { key, op });
    return o;
  }

  get(key: string): Promise<GetResult>;
  get(key: string, opts: { ifNoneMatch: string }): Promise<GetResult | undefined>;
  async get(key: string, opts?: { ifNoneMatch?: string }): Promise<GetResult | undefined> {
    validateKey(key, "get");
    const o = this.mustGet(key, "get");
    if (opts?.ifNoneMatch !== undefined && opts.ifNoneMatch === o.version) return undefined;
    return { ...this.info(key, o), body: Buffer.from(o.body) };
  }

  async head(key: string): Promise<ObjectInfo> {
    validateKey(key, "head");
    return this.info(key, this.mustGet(key, "head"));
  }

  async listPage(prefix: string, opts: ListPageOptions = {}): Promise<ListPage> {
    validatePrefix(prefix);
    const after = opts.cursor ?? opts.startAfter;
    const max = Math.min(opts.maxKeys ?? MAX_PAGE, MAX_PAGE);
    const keys = [...this.objects.keys()]
      .filter((k) => k.startsWith(prefix) && (after === undefined || compareKeys(k, after) > 0))
      .sort(compareKeys);
    const page = keys.slice(0, max);
    const items = page.map((k) => this.info(k, this.objects.get(k)!)).map(({ writerToken: _, ...rest }) => rest);
    return { items, cursor: keys.length > max ? page[page.length - 1] : undefined };
  }

  async put(key: string, body: PutBody, opts: PutOptions = {}): Promise<PutResult> {
    validateKey(key, "put");
    const buf = await bodyToBuffer(body);
    // Everything below is synchronous, so the check and the write are atomic in this process.
    const current = this.objects.get(key);
    if (opts.ifNoneMatch === "*" && current) {
      throw new PreconditionFailed(`${JSON.stringify(key)} already exists`, { key, op: "put" });
    }
    if (opts.ifMatch !== undefined && (!current || current.version !== opts.ifMatch)) {
      throw new PreconditionFailed(
        current ? `${JSON.stringify(key)} is at another version` : `${JSON.stringify(key)} does not exist`,
        { key, op: "put" },
      );
    }
    const version = `m${++versionSeq}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    this.objects.set(key, { body: Buffer.from(buf), version, writerToken: opts.writerToken, lastModified: new Date() });
    return { version };
  }

  async delete(key: string, opts: DeleteOptions = {}): Promise<void> {
    validateKey(key, "delete");
    const current = this.objects.get(key);
    if (opts.ifMatch !== undefined && (!current || current.version !== opts.ifMatch)) {
      throw new PreconditionFailed(`${JSON.stringify(key)} is not at version ${opts.ifMatch}`, { key, op: "delete" });
    }
    this.objects.delete(key);
  }

  lance(path = ""): LanceLocation {
    this.space.lanceDir ??= mkdtempSync(join(tmpdir(), `og-mem-lance-${this.name.replace(/[^a-zA-Z0-9_-]/g, "_")}-`));
    return { uri: path ? join(this.space.lanceDir, path) : this.space.lanceDir, storageOptions: {} };
  }

  /** Drops a named store's objects and its Lance directory (tests). */
  static reset(name: string): void {
    const space = registry.get(name);
    if (space?.lanceDir) rmSync(space.lanceDir, { recursive: true, force: true });
    registry.delete(name);
  }
}
