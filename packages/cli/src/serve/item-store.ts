/**
 * Output items of recent Responses API replies, kept in memory so a later request can name them
 * with `{type: "item_reference", id}` — what the AI SDK's OpenAI provider sends for earlier
 * assistant turns when `store` is on (its default). Bounded: the oldest items are dropped first,
 * and a reference to a dropped or unknown item is a 400 that says so.
 */

/** One stored output item: its type and, for messages, the text it carried. */
export interface StoredItem {
  type: 'message' | 'reasoning';
  role: 'assistant';
  text: string;
}

/** A bounded, insertion-ordered map of item id → item. */
export class ItemStore {
  private readonly items = new Map<string, StoredItem>();

  /**
   * @param maxItems items kept (default 1000).
   * @param maxChars total text kept (default 16 Mi chars); past either bound the oldest go first.
   */
  constructor(maxItems = 1000, maxChars = 16 * 1024 * 1024) {
    this.maxItems = maxItems;
    this.maxChars = maxChars;
  }

  /** Items kept at most. */
  readonly maxItems: number;
  /** Text kept at most (chars). */
  readonly maxChars: number;
  private chars = 0;

  /** Keeps `item` under `id`, dropping the oldest items past the bounds. */
  put(id: string, item: StoredItem): void {
    this.items.set(id, item);
    this.chars += item.text.length;
    for (const [oldId, old] of this.items) {
      if (this.items.size <= this.maxItems && this.chars <= this.maxChars) break;
      this.items.delete(oldId);
      this.chars -= old.text.length;
    }
  }

  /** The item stored under `id`, if it is still kept. */
  get(id: string): StoredItem | undefined {
    return this.items.get(id);
  }

  /** Items kept now. */
  get size(): number {
    return this.items.size;
  }
}
