/** A fenced code block: kept whole when it fits, otherwise split by lines with every piece re-fenced. */
export interface CodeFence {
  /** The opening fence line, e.g. "```ts". */
  open: string;
  /** The lines between the fences. */
  body: string;
  /** The closing fence line (synthesised when the source left the fence open). */
  close: string;
}

/** A paragraph-level unit of a section: prose (a paragraph, list, table, quote) or fenced code. */
export interface Block {
  text: string;
  code?: CodeFence;
}

/** The content under one heading. Chunks never span two sections. */
export interface Section {
  /** Heading trail from the top level down to this section's own heading; empty before the first heading. */
  headings: string[];
  blocks: Block[];
}
