import { createHash, randomBytes } from "node:crypto";
import type { Stats, BigIntStats } from "node:fs";
import * as fsp from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import { StoreBase } from "./base.ts";
import { bodyToBuffer } from "./body.ts";
import type {
  DeleteOptions, GetResult, LanceLocation, ListPage, ListPageOptions, ObjectInfo, PutBody, PutOptions, PutResult,
  StreamResult,
} from "./contract.ts";
import { MAX_PAGE } from "./contract.ts";
import { InvalidKey, NotFound, PreconditionFailed, StorageFailure, Timeout } from "./errors.ts";
import { compareKeys, validateKey, validatePrefix } from "./keys.ts";

/** Our own bookkeeping lives in these top-level folders; they never appear as keys. */
const TMP_DIR = ".og-tmp";
const LOCK_DIR = ".og-locks";
const RESERVED_TOP = new Set([TMP_DIR, LOCK_DIR]);

/** How long a writer waits for a per-key lock before giving up with ERR_TIMEOUT. */
const LOCK_WAIT_MS = 10_000;
/** A lock held this long is abandoned whatever its owner: critical sections take microseconds. */
const LOCK_STALE_MS = 30_000;
/**
 * An empty lock file can only be left by a writer that died between creating it and
 * writing its owner (older versions of this driver; ours are linked into place with
 * their content). One that stays empty and unchanged this long is broken.
 */
const EMPTY_LOCK_GRACE_MS = 200;

/** Test hook: called with every path this driver fsyncs (files and directories). */
export const fsSyncObserver: { onSync: ((path: string) => void) | undefined } = { onSync: undefined };

/** fsync a file or directory, so a create, rename or unlink survives power loss. */
async function syncPath(path: string): Promise<void> {
  const fh = await fsp.open(path, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  fsSyncObserver.onSync?.(path);
}

/** mkdir -p that fsyncs every directory whose entry it created. */
async function mkdirDurable(dir: string): Promise<void> {
  const created = await fsp.mkdir(dir, { recursive: true });
  if (!created) return;
  // `created` is the first directory made; each of it and its descendants up to `dir`
  // is a new entry in its parent.
  let d = dir;
  const parents: string[] = [];
  while (d.length >= created.length) {
    parents.push(dirname(d));
    if (d === created) break;
    d = dirname(d);
  }
  for (const p of parents) await syncPath(p);
}

/**
 * The embedded default store: objects are plain files under `root`.
 *
 * - Whole-object writes go to a temporary file in `root/.og-tmp` and are then linked
 *   (create-only: `link` fails with EEXIST atomically) or renamed (replace) into place,
 *   so a reader never sees a partial object.
 * - Compare-and-swap, unconditional replace and delete take a per-key lock file
 *   (linked into `root/.og-locks` with its owner already inside, so it is never empty),
 *   which makes them atomic across processes on one host. A lock left by a crashed
 *   process (its pid no longer runs on this host), an empty one (left by older
 *   versions), or one held too long is broken by the next writer — only if it is still
 *   the same lock file (inode and mtime).
 * - Durability: a temp file is fsynced before it is linked or renamed into place, and
 *   the directory is fsynced after every link (create-only), rename (CAS, replace),
 *   unlink (delete) and directory creation, so an acknowledged write survives power loss.
 * - The version token is inode + mtime (ns) + size of the file (files are never
 *   modified in place, so every write produces a new token).
 * - Syscalls never lose a response, so the store keeps no writer token; the retry
 *   layer falls back to comparing bytes (see drivers/retry.ts).
 */
export class FsStore extends StoreBase {
  readonly kind = "fs" as const;
  readonly description: string;
  readonly capabilities = { writerToken: false, conditionalDelete: true };
  readonly root: string;
  private realRoot: string | undefined;

  constructor(root: string) {
    super();
    this.root = resolve(root);
    this.description = `fs://${this.root}`;
  }

  /**
   * Refuses a path whose existing parent folder resolves (through symlinks) outside the
   * root, so a symlink planted inside the store cannot redirect reads or writes.
   */
  private async guardParent(p: string, key: string, op: string): Promise<void> {
    this.realRoot ??= await fsp.realpath(this.root).catch(() => this.root);
    let dir = dirname(p);
    for (;;) {
      try {
        const real = await fsp.realpath(dir);
        if (real !== this.realRoot && !real.startsWith(this.realRoot + sep)) {
          throw new InvalidKey(`key ${JSON.stringify(key)} resolves outside the store root through a symlink`, { key, op });
        }
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT" || dir === this.root) {
          if (e instanceof InvalidKey) throw e;
          return;
        }
        dir = dirname(dir); // the folder does not exist yet: check its nearest existing ancestor
      }
    }
  }

  private pathOf(key: string, op: string): string {
    validateKey(key, op);
    const top = key.split("/")[0]!;
    if (RESERVED_TOP.has(top)) throw new InvalidKey(`keys under ${top}/ are reserved by the fs driver`, { key, op });
    const p = join(this.root, ...key.split("/"));
    // validateKey already forbids '..'; this is the belt to those braces.
    if (!p.startsWith(this.root + sep)) throw new InvalidKey(`key ${JSON.stringify(key)} escapes the store root`, { key, op });
    return p;
  }

  private static version(st: Stats | BigIntStats): string {
    const s = st as BigIntStats;
    return `${s.ino}.${s.mtimeNs}.${s.size}`;
  }

  private static info(key: string, st: BigIntStats): ObjectInfo {
    return { key, size: Number(st.size), version: FsStore.version(st), lastModified: st.mtime };
  }

  get(key: string): Promise<GetResult>;
  get(key: string, opts: { ifNoneMatch: string }): Promise<GetResult | undefined>;
  async get(key: string, opts?: { ifNoneMatch?: string }): Promise<GetResult | undefined> {
    const p = this.pathOf(key, "get");
    await this.guardParent(p, key, "get");
    const fh = await this.openForRead(p, key, "get");
    try {
      // fstat on the open handle: files are replaced by rename, never rewritten, so the
      // bytes we read belong to exactly this version.
      const st = await fh.stat({ bigint: true });
      if (!st.isFile()) throw new NotFound(`no object at ${JSON.stringify(key)}`, { key, op: "get" });
      const info = FsStore.info(key, st);
      if (opts?.ifNoneMatch !== undefined && opts.ifNoneMatch === info.version) return undefined;
      const body = await fh.readFile();
      return { ...info, body };
    } finally {
      await fh.close();
    }
  }

  override async getStream(key: string): Promise<StreamResult> {
    const p = this.pathOf(key, "get");
    await this.guardParent(p, key, "get");
    const fh = await this.openForRead(p, key, "get");
    const st = await fh.stat({ bigint: true });
    if (!st.isFile()) {
      await fh.close();
      throw new NotFound(`no object at ${JSON.stringify(key)}`, { key, op: "get" });
    }
    return { info: FsStore.info(key, st), body: fh.createReadStream({ autoClose: true }) };
  }

  private async openForRead(p: string, key: string, op: string): Promise<fsp.FileHandle> {
    try {
      return await fsp.open(p, "r");
    } catch (e) {
      throw mapFsError(e, key, op);
    }
  }

  async head(key: string): Promise<ObjectInfo> {
    const p = this.pathOf(key, "head");
    let st: BigIntStats;
    try {
      st = await fsp.stat(p, { bigint: true });
    } catch (e) {
      throw mapFsError(e, key, "head");
    }
    if (!st.isFile()) throw new NotFound(`no object at ${JSON.stringify(key)}`, { key, op: "head" });
    return FsStore.info(key, st);
  }

  async listPage(prefix: string, opts: ListPageOptions = {}): Promise<ListPage> {
    validatePrefix(prefix);
    const after = opts.cursor ?? opts.startAfter;
    const max = Math.min(opts.maxKeys ?? MAX_PAGE, MAX_PAGE);
    const items: ObjectInfo[] = [];
    // Start the walk at the deepest folder the prefix names, so listing one graph's
    // manifest never walks the rest of the store.
    const slash = prefix.lastIndexOf("/");
    const baseKey = slash >= 0 ? prefix.slice(0, slash) : "";
    let more = false;
    const walk = async (dirKey: string): Promise<boolean> => {
      const dirPath = dirKey ? join(this.root, ...dirKey.split("/")) : this.root;
      let entries;
      try {
        entries = await fsp.readdir(dirPath, { withFileTypes: true });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR") return true;
        throw mapFsError(e, dirKey, "list");
      }
      const named = entries
        .filter((d) => !(dirKey === "" && RESERVED_TOP.has(d.name)))
        .map((d) => ({ d, key: dirKey ? `${dirKey}/${d.name}` : d.name }))
        .map((x) => ({ ...x, sortKey: x.d.isDirectory() ? `${x.key}/` : x.key }))
        .sort((a, b) => compareKeys(a.sortKey, b.sortKey));
      for (const { d, key, sortKey } of named) {
        if (d.isDirectory()) {
          // Skip folders that cannot hold a key under the prefix or after the cursor.
          if (!(sortKey.startsWith(prefix) || prefix.startsWith(sortKey))) continue;
          if (after !== undefined && compareKeys(sortKey, after) <= 0 && !after.startsWith(sortKey)) continue;
          if (!(await walk(key))) return false;
        } else if (d.isFile()) {
          if (!key.startsWith(prefix)) continue;
          if (after !== undefined && compareKeys(key, after) <= 0) continue;
          if (items.length === max) {
            more = true;
            return false;
          }
          try {
            items.push(FsStore.info(key, await fsp.stat(join(dirPath, d.name), { bigint: true })));
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw mapFsError(e, key, "list");
          }
        }
      }
      return true;
    };
    await walk(baseKey);
    return { items, cursor: more ? items[items.length - 1]?.key : undefined };
  }

  async put(key: string, body: PutBody, opts: PutOptions = {}): Promise<PutResult> {
    const p = this.pathOf(key, "put");
    await this.guardParent(p, key, "put");
    if (opts.ifNoneMatch === "*" && opts.ifMatch !== undefined) {
      throw new InvalidKey("put cannot be both create-only and compare-and-swap", { key, op: "put" });
    }
    const buf = await bodyToBuffer(body);
    const tmp = await this.writeTemp(buf);
    try {
      if (opts.ifNoneMatch === "*") return { version: await this.linkCreateOnly(tmp, p, key) };
      return await this.withKeyLock(key, async () => {
        if (opts.ifMatch !== undefined) {
          const current = await this.statOrUndefined(p);
          if (!current) throw new PreconditionFailed(`${JSON.stringify(key)} does not exist`, { key, op: "put" });
          if (FsStore.version(current) !== opts.ifMatch) {
            throw new PreconditionFailed(`${JSON.stringify(key)} is at another version`, { key, op: "put" });
          }
        }
        await this.renameIntoPlace(tmp, p, key);
        return { version: FsStore.version(await fsp.stat(p, { bigint: true })) };
      });
    } finally {
      await fsp.rm(tmp, { force: true });
    }
  }

  async delete(key: string, opts: DeleteOptions = {}): Promise<void> {
    const p = this.pathOf(key, "delete");
    await this.guardParent(p, key, "delete");
    await this.withKeyLock(key, async () => {
      const current = await this.statOrUndefined(p);
      if (opts.ifMatch !== undefined && (!current || FsStore.version(current) !== opts.ifMatch)) {
        throw new PreconditionFailed(`${JSON.stringify(key)} is not at version ${opts.ifMatch}`, { key, op: "delete" });
      }
      if (!current) return;
      await fsp.rm(p, { force: true });
      await syncPath(dirname(p));
    });
    await this.pruneEmptyDirs(dirname(p));
  }

  lance(path = ""): LanceLocation {
    return { uri: path ? join(this.root, ...path.split("/")) : this.root, storageOptions: {} };
  }

  // ---- internals -------------------------------------------------------------------

  private async writeTemp(buf: Buffer): Promise<string> {
    const dir = join(this.root, TMP_DIR);
    await fsp.mkdir(dir, { recursive: true });
    const tmp = join(dir, `${process.pid}-${randomBytes(8).toString("hex")}`);
    const fh = await fsp.open(tmp, "wx");
    try {
      await fh.writeFile(buf);
      await fh.sync();
      fsSyncObserver.onSync?.(tmp);
    } finally {
      await fh.close();
    }
    return tmp;
  }

  private async linkCreateOnly(tmp: string, p: string, key: string): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      try {
        await mkdirDurable(dirname(p));
        await fsp.link(tmp, p);
        // The file's bytes were synced in writeTemp; the new name lives in the directory.
        await syncPath(dirname(p));
        return FsStore.version(await fsp.stat(p, { bigint: true }));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EEXIST") throw new PreconditionFailed(`${JSON.stringify(key)} already exists`, { key, op: "put" });
        // A concurrent delete may prune the parent folder between mkdir and link.
        if (code === "ENOENT" && attempt < 5) continue;
        throw mapFsError(e, key, "put");
      }
    }
  }

  private async renameIntoPlace(tmp: string, p: string, key: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await mkdirDurable(dirname(p));
        await fsp.rename(tmp, p);
        await syncPath(dirname(p));
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT" && attempt < 5) continue;
        throw mapFsError(e, key, "put");
      }
    }
  }

  private async statOrUndefined(p: string): Promise<BigIntStats | undefined> {
    try {
      const st = await fsp.stat(p, { bigint: true });
      return st.isFile() ? st : undefined;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
      throw e;
    }
  }

  private async pruneEmptyDirs(dir: string): Promise<void> {
    while (dir.startsWith(this.root + sep)) {
      try {
        await fsp.rmdir(dir);
      } catch {
        return; // not empty (or already gone): stop climbing
      }
      dir = dirname(dir);
    }
  }

  /** Runs `fn` holding an exclusive per-key lock shared by every process on this host. */
  private async withKeyLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const dir = join(this.root, LOCK_DIR);
    await fsp.mkdir(dir, { recursive: true });
    const lockPath = join(dir, createHash("sha256").update(key).digest("hex").slice(0, 40));
    const owner = `${hostname()} ${process.pid} ${randomBytes(6).toString("hex")}`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    let delay = 1;
    // The lock appears with its owner already inside (linked from a temp file), so a
    // crash can never leave an empty lock behind.
    const staged = `${lockPath}.new-${randomBytes(6).toString("hex")}`;
    await fsp.writeFile(staged, owner);
    try {
      for (;;) {
        try {
          await fsp.link(staged, lockPath);
          break;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw mapFsError(e, key, "lock");
        }
        await breakLockIfOwnerDied(lockPath);
        if (Date.now() > deadline) {
          throw new Timeout(`timed out after ${LOCK_WAIT_MS} ms waiting for the fs lock of ${JSON.stringify(key)}`, { key, op: "lock" });
        }
        await new Promise((r) => setTimeout(r, delay + Math.random() * delay));
        delay = Math.min(delay * 2, 50);
      }
    } finally {
      await fsp.rm(staged, { force: true });
    }
    try {
      return await fn();
    } finally {
      // Remove only our own lock (it cannot have been broken while our pid is alive).
      await fsp.rm(lockPath, { force: true });
    }
  }
}

/**
 * Breaks a lock whose owner process is gone (same host), or that has been held longer
 * than {@link LOCK_STALE_MS} (an owner on another host sharing the folder, or a stopped one).
 */
async function breakLockIfOwnerDied(lockPath: string): Promise<void> {
  let content: string;
  let before: BigIntStats;
  try {
    content = await fsp.readFile(lockPath, "utf8");
    before = await fsp.stat(lockPath, { bigint: true });
  } catch {
    return;
  }
  const ageMs = Date.now() - Number(before.mtimeMs);
  const [host, pidText] = content.split(" ");
  const pid = Number(pidText);
  const ownerDead = host === hostname() && Number.isInteger(pid) && pid !== process.pid && !processAlive(pid);
  const emptyAndOld = content.length === 0 && ageMs >= EMPTY_LOCK_GRACE_MS;
  if (!ownerDead && !emptyAndOld && ageMs < LOCK_STALE_MS) return;
  // Move the lock aside, then check we moved the very lock we judged (same inode and
  // change time), not a fresh one taken meanwhile.
  const aside = `${lockPath}.broken-${randomBytes(6).toString("hex")}`;
  try {
    await fsp.rename(lockPath, aside);
  } catch {
    return;
  }
  const moved = await fsp.stat(aside, { bigint: true }).catch(() => undefined);
  if (!moved || moved.ino !== before.ino || moved.mtimeNs !== before.mtimeNs) {
    // We took a live lock acquired after our read: put it back (link fails if yet another
    // writer got in, in which case that writer holds the lock and the live one lost it
    // only if it was itself racing a crash — a window of microseconds, documented).
    await fsp.link(aside, lockPath).catch(() => {});
  }
  await fsp.rm(aside, { force: true });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function mapFsError(e: unknown, key: string, op: string): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new NotFound(`no object at ${JSON.stringify(key)}`, { key, op, status: code });
  if (code === "EISDIR") return new NotFound(`no object at ${JSON.stringify(key)} (it is a folder of other keys)`, { key, op, status: code });
  if (code === "ENOTDIR" || code === "EEXIST") {
    return new InvalidKey(`key ${JSON.stringify(key)} clashes with an existing object on a path segment`, { key, op, status: code });
  }
  if (code === "ENAMETOOLONG") return new InvalidKey(`key ${JSON.stringify(key)} is too long for this filesystem`, { key, op, status: code });
  return new StorageFailure(`fs ${op} of ${JSON.stringify(key)} failed: ${(e as Error).message}`, { key, op, status: code, cause: e });
}
