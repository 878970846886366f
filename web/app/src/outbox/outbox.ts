// Nothing lost, nothing twice: everything the member makes that the server must receive (fixes,
// photos, tips, arrivals, completions, the end of a duty) is written to IndexedDB first and sent
// from there, one item at a time in the order it was made, each with its own Idempotency-Key so a
// retry after a lost reply creates nothing new. Items wait while the network is away and go out
// when it returns; the app shows what is waiting.
//
// Fixes are gathered in their own store and sealed into one batch every 10 s or 20 fixes; a
// sealed batch never changes, so a resent batch is byte for byte the first one (location derives
// its track buckets' ids from the fixes, which makes that resend a no-op too).
import { ApiError, type Api, type Fix, type ReportDraft } from "../api";

const DATABASE = "shouwang-app";
const OUTBOX = "outbox";
const FIXES = "fixes";
const MEDIA = "media";
export const BATCH_FIXES = 20;
export const BATCH_EVERY_MS = 10_000;
// A failed send is tried again after a pause that grows from 1 s to 30 s (and at once when the
// browser says the network is back).
const FIRST_RETRY_MS = 1_000;
const LAST_RETRY_MS = 30_000;

interface Base {
  seq?: number;
  member_id: string;
  key: string;
  made_at: number;
}
export type Item = Base &
  (
    | { kind: "fixes"; fixes: Fix[] }
    | { kind: "photo"; ref: string; blob: Blob; name: string }
    | { kind: "report"; draft: Omit<ReportDraft, "media_ids">; media_refs: string[] }
    | { kind: "arrive"; task_id: string }
    | { kind: "complete"; task_id: string; note: string; media_refs: string[] }
    | { kind: "duty_end" }
  );
type ItemDraft = Item extends infer I ? (I extends Item ? Omit<I, keyof Base> : never) : never;

interface PendingFix {
  id?: number;
  member_id: string;
  fix: Fix;
}

export interface Waiting {
  fixes: number;
  photos: number;
  reports: number;
  completions: number;
  other: number;
}

export interface OutboxEvents {
  /** What is waiting changed. */
  waiting(waiting: Waiting): void;
  /** An item reached the server. */
  sent(item: Item, reply: unknown): void;
  /** The server refused an item for good (it is dropped, and said so). */
  refused(item: Item, error: ApiError): void;
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => {
      const db = request.result;
      db.createObjectStore(OUTBOX, { keyPath: "seq", autoIncrement: true });
      db.createObjectStore(FIXES, { keyPath: "id", autoIncrement: true });
      db.createObjectStore(MEDIA, { keyPath: "ref" }); // a photo's ref -> its media_id, once sent
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function done(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}

function result<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export class Outbox {
  private db: Promise<IDBDatabase> = open();
  private sending = false;
  private retryTimer: number | undefined;
  private retryMs = FIRST_RETRY_MS;
  private sealTimer: number | undefined;
  private memberId = "";

  constructor(
    private readonly api: Api,
    private readonly events: OutboxEvents,
  ) {
    window.addEventListener("online", () => {
      this.retryMs = FIRST_RETRY_MS;
      void this.sealAndFlush();
    });
  }

  /** Whose items go out now (items of another member who used this phone wait for them). */
  async startFor(memberId: string): Promise<void> {
    this.memberId = memberId;
    await this.report();
    await this.sealAndFlush();
  }

  stop(): void {
    this.memberId = "";
    window.clearTimeout(this.retryTimer);
    window.clearTimeout(this.sealTimer);
  }

  async add(draft: ItemDraft): Promise<void> {
    const item = {
      ...draft,
      member_id: this.memberId,
      key: crypto.randomUUID(),
      made_at: Date.now(),
    };
    const transaction = (await this.db).transaction(OUTBOX, "readwrite");
    transaction.objectStore(OUTBOX).add(item);
    await done(transaction);
    await this.report();
    void this.flush();
  }

  /** A fix into the next batch; an `urgent` one (the first of a duty, which puts the member on
   * the dispatchers' map) is sealed and sent at once. */
  async addFix(fix: Fix, urgent = false): Promise<void> {
    const transaction = (await this.db).transaction(FIXES, "readwrite");
    const store = transaction.objectStore(FIXES);
    store.add({ member_id: this.memberId, fix } satisfies PendingFix);
    const count = result(store.count());
    await done(transaction);
    if (urgent || (await count) >= BATCH_FIXES) await this.sealAndFlush();
    else {
      this.sealTimer ??= window.setTimeout(() => void this.sealAndFlush(), BATCH_EVERY_MS);
      await this.report();
    }
  }

  /** The oldest fix not yet received by the server, if any (ms since the epoch). */
  async oldestUnsentFixMs(): Promise<number | null> {
    const db = await this.db;
    const transaction = db.transaction([FIXES, OUTBOX], "readonly");
    const pending = (await result(transaction.objectStore(FIXES).getAll())) as PendingFix[];
    const items = (await result(transaction.objectStore(OUTBOX).getAll())) as Item[];
    const times = [
      ...pending.map((p) => Date.parse(p.fix.ts)),
      ...items.flatMap((i) => (i.kind === "fixes" ? i.fixes.map((f) => Date.parse(f.ts)) : [])),
    ];
    return times.length ? Math.min(...times) : null;
  }

  /** Seal the pending fixes into one batch, then send what waits. */
  async sealAndFlush(): Promise<void> {
    window.clearTimeout(this.sealTimer);
    this.sealTimer = undefined;
    if (this.memberId) await this.seal();
    await this.report();
    await this.flush();
  }

  private async seal(): Promise<void> {
    const transaction = (await this.db).transaction([FIXES, OUTBOX], "readwrite");
    const fixes = transaction.objectStore(FIXES);
    const pending = (await result(fixes.getAll())) as PendingFix[];
    const mine = pending.filter((p) => p.member_id === this.memberId);
    for (let at = 0; at < mine.length; at += BATCH_FIXES) {
      const batch = mine.slice(at, at + BATCH_FIXES);
      transaction.objectStore(OUTBOX).add({
        kind: "fixes",
        fixes: batch.map((p) => p.fix),
        member_id: this.memberId,
        key: crypto.randomUUID(),
        made_at: Date.now(),
      } satisfies Item);
      for (const p of batch) fixes.delete(p.id!);
    }
    await done(transaction);
  }

  async flush(): Promise<void> {
    if (this.sending || !this.memberId) return;
    this.sending = true;
    window.clearTimeout(this.retryTimer);
    try {
      for (;;) {
        const item = await this.next();
        if (!item) break;
        const outcome = await this.send(item);
        if (outcome === "later") {
          this.retryTimer = window.setTimeout(() => void this.flush(), this.retryMs);
          this.retryMs = Math.min(LAST_RETRY_MS, this.retryMs * 2);
          break;
        }
        this.retryMs = FIRST_RETRY_MS;
        await this.report();
      }
    } finally {
      this.sending = false;
    }
  }

  async waiting(): Promise<Waiting> {
    const db = await this.db;
    const transaction = db.transaction([FIXES, OUTBOX], "readonly");
    const pending = (await result(transaction.objectStore(FIXES).count())) as number;
    const items = (await result(transaction.objectStore(OUTBOX).getAll())) as Item[];
    const waiting: Waiting = { fixes: pending, photos: 0, reports: 0, completions: 0, other: 0 };
    for (const item of items) {
      if (item.kind === "fixes") waiting.fixes += item.fixes.length;
      else if (item.kind === "photo") waiting.photos += 1;
      else if (item.kind === "report") waiting.reports += 1;
      else if (item.kind === "complete") waiting.completions += 1;
      else waiting.other += 1;
    }
    return waiting;
  }

  private async report(): Promise<void> {
    this.events.waiting(await this.waiting());
  }

  private async next(): Promise<Item | undefined> {
    const transaction = (await this.db).transaction(OUTBOX, "readonly");
    const items = (await result(transaction.objectStore(OUTBOX).getAll())) as Item[];
    return items.find((item) => item.member_id === this.memberId);
  }

  private async send(item: Item): Promise<"sent" | "later"> {
    let reply: unknown;
    try {
      reply = await this.deliver(item);
    } catch (error) {
      if (!(error instanceof ApiError) || transient(error)) return "later";
      if (!alreadyDone(item)) this.events.refused(item, error);
      reply = null;
    }
    const transaction = (await this.db).transaction([OUTBOX, MEDIA], "readwrite");
    transaction.objectStore(OUTBOX).delete(item.seq!);
    if (item.kind === "photo" && reply) {
      const media_id = (reply as { media_id: string }).media_id;
      transaction.objectStore(MEDIA).put({ ref: item.ref, media_id });
    }
    await done(transaction);
    if (reply !== null) this.events.sent(item, reply);
    return "sent";
  }

  private async deliver(item: Item): Promise<unknown> {
    switch (item.kind) {
      case "fixes":
        return this.api.sendFixes(item.fixes, item.key);
      case "photo":
        return this.api.uploadMedia(item.blob, item.name, item.key);
      case "report":
        return this.api.fileReport(
          { ...item.draft, media_ids: await this.mediaIds(item.media_refs) },
          item.key,
        );
      case "arrive":
        return this.api.arrive(item.task_id);
      case "complete":
        return this.api.complete(
          item.task_id,
          { note: item.note, media_ids: await this.mediaIds(item.media_refs) },
          item.key,
        );
      case "duty_end":
        return this.api.endDuty();
    }
  }

  /** The media ids of photos sent before (a photo the server refused is left out). */
  private async mediaIds(refs: string[]): Promise<string[]> {
    const transaction = (await this.db).transaction(MEDIA, "readonly");
    const store = transaction.objectStore(MEDIA);
    const found = await Promise.all(
      refs.map((ref) => result(store.get(ref)) as Promise<{ media_id: string } | undefined>),
    );
    return found.flatMap((entry) => (entry ? [entry.media_id] : []));
  }
}

/** Worth another try: the session could not be renewed yet (401), the server is busy (429,
 * 5xx), or the first try with this Idempotency-Key is still running (409). */
function transient(error: ApiError): boolean {
  if (error.status === 409) return (error.problem.detail ?? "").includes("Idempotency-Key");
  return [401, 408, 429].includes(error.status) || error.status >= 500;
}

/** An arrival or the end of a duty the server refuses has already happened (the fixes put the
 * member on scene; presence ended the duty): nothing to tell the member. */
function alreadyDone(item: Item): boolean {
  return item.kind === "arrive" || item.kind === "duty_end";
}
