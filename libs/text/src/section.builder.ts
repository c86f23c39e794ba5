import type { Block, Section } from './section.types.js';

/** Collects blocks into sections, keeping the heading trail (a new heading closes every deeper or equal level). */
export class SectionBuilder {
  private readonly sections: Section[] = [];
  private readonly trail: { level: number; text: string }[] = [];
  private current: Section = { headings: [], blocks: [] };

  addBlock(block: Block): void {
    this.current.blocks.push(block);
  }

  /** Starts the section of a level-`level` heading (1 = top). An empty heading closes deeper levels only. */
  startSection(level: number, heading: string): void {
    if (this.current.blocks.length > 0) this.sections.push(this.current);
    while (this.trail.length > 0 && this.trail[this.trail.length - 1].level >= level) this.trail.pop();
    if (heading) this.trail.push({ level, text: heading });
    this.current = { headings: this.trail.map((h) => h.text), blocks: [] };
  }

  /** The sections that have at least one block, in document order. */
  finish(): Section[] {
    if (this.current.blocks.length > 0) this.sections.push(this.current);
    this.current = { headings: [], blocks: [] };
    return this.sections;
  }
}
