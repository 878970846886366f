// The drawings of every group the member is in (画图作战), kept current: loaded when the app
// opens (and again when the stream reconnects, in case some were missed), then changed by each
// shouwang.group.drawing /stream pushes — added, replaced or deleted. Maps listen and redraw.
import type { DrawnFeature, DrawingEvent } from "../../../shared/drawings-layer";
import { drawingChange } from "../../../shared/drawings-layer";
import type { Api } from "../api";

export const DRAWING_EVENT = "shouwang.group.drawing";

type Listener = (drawings: DrawnFeature[], change: DrawnFeature | null) => void;

export class GroupDrawings {
  private readonly drawings = new Map<string, DrawnFeature>();
  private readonly listeners: Listener[] = [];
  /** For each load under way, the pushes heard since it began, applied over its answers (read
   * before them, they would bring back a drawing whose deletion was heard first). */
  private readonly heardWhileLoading = new Set<DrawingEvent[]>();

  constructor(private readonly api: Api) {}

  get all(): DrawnFeature[] {
    return [...this.drawings.values()];
  }

  /** Hear every change (the full list, and what changed: null when all were reloaded). */
  listen(listener: Listener): void {
    this.listeners.push(listener);
    listener(this.all, null);
  }

  /** Everything drawn on the maps of the member's groups, as the server has it now. */
  async load(): Promise<void> {
    const heard: DrawingEvent[] = [];
    this.heardWhileLoading.add(heard);
    let lists: DrawnFeature[][];
    try {
      const page = await this.api.groups();
      lists = await Promise.all(
        page.groups.map((group) => this.api.drawings(group.group_id).catch(() => [])),
      );
    } finally {
      this.heardWhileLoading.delete(heard);
    }
    this.drawings.clear();
    for (const drawing of lists.flat()) {
      if (!drawing.deleted) this.drawings.set(drawing.drawing_id, drawing);
    }
    for (const event of heard) this.apply(event);
    this.tell(null);
  }

  /** A pushed shouwang.group.drawing. */
  pushed(event: DrawingEvent): void {
    for (const heard of this.heardWhileLoading) heard.push(event);
    const change = this.apply(event);
    if (change) this.tell(change);
  }

  /** What the pushed change changed here, if anything. */
  private apply(event: DrawingEvent): DrawnFeature | null {
    const change = drawingChange(event);
    if (!change) return null;
    if ("deleted" in change) {
      const gone = this.drawings.get(change.deleted);
      if (!this.drawings.delete(change.deleted)) return null;
      return { ...(gone as DrawnFeature), deleted: true };
    }
    this.drawings.set(change.added.drawing_id, change.added);
    return change.added;
  }

  private tell(change: DrawnFeature | null): void {
    for (const listener of this.listeners) listener(this.all, change);
  }
}
