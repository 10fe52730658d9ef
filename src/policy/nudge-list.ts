/**
 * Every consumer a team's message covers, in the message's order (most overdue first, so the
 * first LISTED_MAX are the listed ones), each with the tier it is nudged in: what gets recorded.
 *
 * Packed, because a plan holds one per team for the whole run: the ids as one JSON string and
 * the tiers as two bytes each. At 840,000 due consumers that is ~10 MB of heap, where an array
 * of id strings and an array of tier names took ~30 MB (heap snapshot of a 1M-consumer plan).
 * Unpacking is per team and only when the team is recorded or reported.
 */
export class NudgeList {
  readonly count: number;
  private readonly packedIds: string;
  private readonly tierIndexes: Uint16Array;

  /** `tierIndexes[i]` is the index in `tiers` (the plan's, shared) of the tier `ids[i]` is nudged in. */
  constructor(
    ids: readonly string[],
    tierIndexes: ArrayLike<number>,
    private readonly tiers_: readonly { readonly name: string }[],
  ) {
    if (ids.length !== tierIndexes.length) throw new Error(`NudgeList: ${ids.length} ids but ${tierIndexes.length} tiers`);
    if (tiers_.length > 0xffff) throw new Error('NudgeList: more tiers than it can index');
    // Checked here, while planning: a bad index found only when recording would be after the post.
    for (let i = 0; i < tierIndexes.length; i += 1) {
      const index = tierIndexes[i] as number;
      if (!Number.isInteger(index) || index < 0 || index >= tiers_.length) throw new Error(`NudgeList: tier index ${index} out of range`);
    }
    this.count = ids.length;
    this.packedIds = JSON.stringify(ids);
    this.tierIndexes = Uint16Array.from(tierIndexes);
  }

  ids(): string[] {
    return JSON.parse(this.packedIds) as string[];
  }

  /** Parallel to ids(): the tier name each consumer is nudged in. */
  tiers(): string[] {
    return Array.from(this.tierIndexes, (index) => (this.tiers_[index] as { name: string }).name);
  }

  /** The tier name the consumer at `index` (in ids() order) is nudged in, without unpacking the rest. */
  tierAt(index: number): string | undefined {
    const tierIndex = this.tierIndexes[index];
    return tierIndex === undefined ? undefined : this.tiers_[tierIndex]?.name;
  }

  toJSON(): { ids: string[]; tiers: string[] } {
    return { ids: this.ids(), tiers: this.tiers() };
  }
}
