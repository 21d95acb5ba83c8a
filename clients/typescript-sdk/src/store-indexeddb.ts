import type { OutboxEntry } from "./models.js";
import type { Store } from "./store.js";

const OUTBOX = "outbox";
const CURSORS = "cursors";

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

/**
 * The store of a browser app: an IndexedDB database per user and device, with the outbox
 * (keyed by client_msg_id) and the cursors. Each write is one transaction, resolved once
 * committed ("strict" durability where the browser offers it), so it survives a page reload.
 */
export class IndexedDbStore implements Store {
  private db: Promise<IDBDatabase> | undefined;

  constructor(private readonly name: string) {}

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const req = indexedDB.open(this.name, 1);
      req.onupgradeneeded = () => {
        req.result.createObjectStore(OUTBOX, { keyPath: "clientMsgId" });
        req.result.createObjectStore(CURSORS);
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    return this.db;
  }

  private async write(store: string, change: (objects: IDBObjectStore) => void): Promise<void> {
    const db = await this.open();
    const tx = db.transaction(store, "readwrite", { durability: "strict" });
    change(tx.objectStore(store));
    await committed(tx);
  }

  async loadOutbox(): Promise<OutboxEntry[]> {
    const db = await this.open();
    const entries = await request(
      db.transaction(OUTBOX, "readonly").objectStore(OUTBOX).getAll() as IDBRequest<OutboxEntry[]>,
    );
    return entries.sort((a, b) => a.order - b.order);
  }
  putEntry(entry: OutboxEntry): Promise<void> {
    return this.write(OUTBOX, (objects) => objects.put({ ...entry }));
  }
  deleteEntry(clientMsgId: string): Promise<void> {
    return this.write(OUTBOX, (objects) => objects.delete(clientMsgId));
  }
  async loadCursors(): Promise<Map<string, number>> {
    const db = await this.open();
    const objects = db.transaction(CURSORS, "readonly").objectStore(CURSORS);
    const [keys, values] = await Promise.all([
      request(objects.getAllKeys()),
      request(objects.getAll() as IDBRequest<number[]>),
    ]);
    return new Map(keys.map((key, i) => [String(key), values[i] ?? 0]));
  }
  saveCursor(conversationId: string, seq: number): Promise<void> {
    return this.write(CURSORS, (objects) => objects.put(seq, conversationId));
  }
  async close(): Promise<void> {
    (await this.db)?.close();
  }
}
