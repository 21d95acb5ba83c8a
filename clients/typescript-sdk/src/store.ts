import type { OutboxEntry } from "./models.js";

/**
 * What survives a page reload or a process restart: the unsent outbox (in writing order) and
 * the cursor of each conversation (the highest seq handed to the app). Writes must be durable
 * when their promise resolves: an entry is written before send() returns or the message goes
 * out, and removed only after the server acknowledged it.
 */
export interface Store {
  /** The pending and failed entries, in writing order. */
  loadOutbox(): Promise<OutboxEntry[]>;
  putEntry(entry: OutboxEntry): Promise<void>;
  deleteEntry(clientMsgId: string): Promise<void>;
  loadCursors(): Promise<Map<string, number>>;
  saveCursor(conversationId: string, seq: number): Promise<void>;
  close(): Promise<void>;
}

/** A store that keeps nothing past the process: for scripts and tests. */
export class MemoryStore implements Store {
  private readonly entries = new Map<string, OutboxEntry>();
  private readonly cursors = new Map<string, number>();

  async loadOutbox(): Promise<OutboxEntry[]> {
    return [...this.entries.values()].sort((a, b) => a.order - b.order);
  }
  async putEntry(entry: OutboxEntry): Promise<void> {
    this.entries.set(entry.clientMsgId, { ...entry });
  }
  async deleteEntry(clientMsgId: string): Promise<void> {
    this.entries.delete(clientMsgId);
  }
  async loadCursors(): Promise<Map<string, number>> {
    return new Map(this.cursors);
  }
  async saveCursor(conversationId: string, seq: number): Promise<void> {
    this.cursors.set(conversationId, seq);
  }
  async close(): Promise<void> {}
}
