import { mkdir, open, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";

import type { OutboxEntry } from "./models.js";
import type { Store } from "./store.js";

interface FileContent {
  entries: OutboxEntry[];
  cursors: Record<string, number>;
}

/**
 * The store of a Node.js app: one JSON file, replaced atomically (written to a temporary file,
 * fsynced, renamed over the old one) at every change, so a kill -9 leaves the old or the new
 * content, never a torn one. Writes are serialized in the order they were asked for.
 */
export class FileStore implements Store {
  private content: FileContent = { entries: [], cursors: {} };
  private loaded: Promise<void> | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  private load(): Promise<void> {
    this.loaded ??= (async () => {
      try {
        this.content = JSON.parse(await readFile(this.path, "utf8")) as FileContent;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    })();
    return this.loaded;
  }

  private persist(change: (content: FileContent) => void): Promise<void> {
    const next = this.writing.then(async () => {
      await this.load();
      change(this.content);
      await mkdir(dirname(this.path), { recursive: true });
      const temporary = `${this.path}.tmp`;
      const file = await open(temporary, "w");
      try {
        await file.writeFile(JSON.stringify(this.content));
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, this.path);
    });
    this.writing = next.catch(() => undefined);
    return next;
  }

  async loadOutbox(): Promise<OutboxEntry[]> {
    await this.load();
    return [...this.content.entries].sort((a, b) => a.order - b.order);
  }
  putEntry(entry: OutboxEntry): Promise<void> {
    return this.persist((content) => {
      content.entries = content.entries.filter((e) => e.clientMsgId !== entry.clientMsgId);
      content.entries.push({ ...entry });
    });
  }
  deleteEntry(clientMsgId: string): Promise<void> {
    return this.persist((content) => {
      content.entries = content.entries.filter((e) => e.clientMsgId !== clientMsgId);
    });
  }
  async loadCursors(): Promise<Map<string, number>> {
    await this.load();
    return new Map(Object.entries(this.content.cursors));
  }
  saveCursor(conversationId: string, seq: number): Promise<void> {
    return this.persist((content) => {
      content.cursors[conversationId] = seq;
    });
  }
  async close(): Promise<void> {
    await this.writing;
  }
}
