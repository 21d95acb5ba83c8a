import type { Message } from "./models.js";

/** Reads the messages of a conversation in (after, upTo], oldest first (a gap fill). */
export type FetchRange = (conversationId: string, after: number, upTo: number) => Promise<Message[]>;

/**
 * Each conversation's cursor is the highest seq handed to the app. A message at cursor + 1 is
 * delivered, one at or below is a duplicate and dropped, one further ahead is held while the
 * missing range is fetched, so the app sees seq 1, 2, 3, ... of each conversation, each once.
 * Calls are serialized: messages from the stream, a sync and a gap fill never interleave.
 */
export class Inbox {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly cursors: Map<string, number>,
    private readonly fetchRange: FetchRange,
  ) {}

  cursor(conversationId: string): number {
    return this.cursors.get(conversationId) ?? 0;
  }

  entries(): Array<[string, number]> {
    return [...this.cursors.entries()];
  }

  /** The messages now deliverable, in order (possibly none). */
  accept(incoming: Message): Promise<Message[]> {
    const result = this.queue.then(() => this.acceptNow(incoming));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async acceptNow(incoming: Message): Promise<Message[]> {
    const cursor = this.cursor(incoming.conversationId);
    if (incoming.seq <= cursor) return [];
    const deliverable: Message[] = [];
    if (incoming.seq > cursor + 1) {
      const missing = await this.fetchRange(incoming.conversationId, cursor, incoming.seq - 1);
      let expected = cursor + 1;
      for (const message of missing) {
        if (message.seq !== expected) break;
        deliverable.push(message);
        expected += 1;
      }
      if (expected !== incoming.seq) {
        // The range could not be read whole: deliver what is contiguous; the rest comes again.
        this.advance(incoming.conversationId, deliverable);
        return deliverable;
      }
    }
    deliverable.push(incoming);
    this.advance(incoming.conversationId, deliverable);
    return deliverable;
  }

  private advance(conversationId: string, delivered: Message[]): void {
    const last = delivered[delivered.length - 1];
    if (last !== undefined) this.cursors.set(conversationId, last.seq);
  }
}
