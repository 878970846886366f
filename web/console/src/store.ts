// The console's one store: everything views share (the session, members on the map, tasks in
// view, the stream's state). Views read it and subscribe to the topics they draw; only the
// store's methods change it.
import type { LiveMember, Session, Task, TaskSummary } from "./api";

// A member whose last fix is older than this is drawn as stale (location's presence rule).
export const STALE_AFTER_MS = 2 * 60 * 1000;

export interface MemberOnMap {
  member_id: string;
  name: string;
  team_id: string;
  lat: number;
  lon: number;
  busy: boolean;
  online: boolean;
  lastSeenMs: number;
}

/** A task as the map knows it: a list's summary, or the full view once it was fetched. */
export type TaskOnMap = TaskSummary & Partial<Pick<Task, "offers" | "claims" | "refused">>;

export interface TimelineEntry {
  type: string;
  memberId: string;
  atMs: number;
}

export type MemberState = "free" | "busy" | "stale";

export function stateOf(member: MemberOnMap, nowMs: number): MemberState {
  if (!member.online || nowMs - member.lastSeenMs > STALE_AFTER_MS) return "stale";
  return member.busy ? "busy" : "free";
}

// Statuses after which a task no longer occupies its claimants or the map.
export const FINISHED: ReadonlySet<string> = new Set([
  "closed",
  "cancelled",
  "expired",
  "unfilled",
]);

interface Topics {
  session: Session | null;
  members: ReadonlyMap<string, MemberOnMap>;
  member: MemberOnMap;
  tasks: ReadonlyMap<string, TaskOnMap>;
  task: TaskOnMap;
  timeline: string;
  selected: string | null;
  connection: boolean;
}

type Listener<T> = (value: T) => void;

export class Store {
  session: Session | null = null;
  readonly members = new Map<string, MemberOnMap>();
  readonly tasks = new Map<string, TaskOnMap>();
  /** What the stream said about each task, oldest first. */
  readonly timelines = new Map<string, TimelineEntry[]>();
  selectedTaskId: string | null = null;
  connected = false;
  private readonly listeners = new Map<keyof Topics, Set<Listener<never>>>();

  on<K extends keyof Topics>(topic: K, listener: Listener<Topics[K]>): () => void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  private emit<K extends keyof Topics>(topic: K, value: Topics[K]): void {
    for (const listener of this.listeners.get(topic) ?? [])
      (listener as Listener<Topics[K]>)(value);
  }

  setSession(session: Session | null): void {
    this.session = session;
    if (session === null) {
      this.members.clear();
      this.tasks.clear();
      this.timelines.clear();
      this.selectedTaskId = null;
    }
    this.emit("session", session);
  }

  setConnected(connected: boolean): void {
    this.connected = connected;
    this.emit("connection", connected);
  }

  replaceMembers(features: LiveMember[]): void {
    this.members.clear();
    for (const feature of features) {
      const [lon, lat] = feature.geometry.coordinates as [number, number];
      const p = feature.properties;
      this.members.set(p.member_id, {
        member_id: p.member_id,
        name: p.name,
        team_id: p.team_id,
        lat,
        lon,
        busy: p.busy,
        online: p.status === "online",
        lastSeenMs: Date.parse(p.last_seen) || 0,
      });
    }
    this.emit("members", this.members);
  }

  /** A position from the stream: moves a known member, or adds one who came on duty. */
  movedMember(position: {
    member_id: string;
    lat: number;
    lon: number;
    team_id: string;
    at: string;
  }): void {
    const known = this.members.get(position.member_id);
    const member: MemberOnMap = {
      ...(known ?? { member_id: position.member_id, name: "", busy: false }),
      team_id: position.team_id,
      lat: position.lat,
      lon: position.lon,
      online: true,
      lastSeenMs: Date.parse(position.at) || Date.now(),
    };
    this.members.set(member.member_id, member);
    this.emit("member", member);
  }

  noteTaskEvent(taskId: string, entry: TimelineEntry): void {
    const entries = this.timelines.get(taskId) ?? [];
    entries.push(entry);
    this.timelines.set(taskId, entries.slice(-100));
    this.emit("timeline", taskId);
  }

  setTask(task: TaskOnMap): void {
    this.tasks.set(task.task_id, task);
    this.markBusy(task);
    this.emit("task", task);
  }

  setTasks(tasks: TaskOnMap[]): void {
    for (const task of tasks) {
      this.tasks.set(task.task_id, task);
      this.markBusy(task);
    }
    this.emit("tasks", this.tasks);
  }

  select(taskId: string | null): void {
    this.selectedTaskId = taskId;
    this.emit("selected", taskId);
  }

  // Claimants of a running task are busy until it finishes (location's busy flag follows the
  // same events; this spares a reload of the members).
  private markBusy(task: TaskOnMap): void {
    const busy = !FINISHED.has(task.status) && task.status !== "resolved";
    for (const claim of task.claims ?? []) {
      const member = this.members.get(claim.member_id);
      if (member && member.busy !== busy) {
        member.busy = busy;
        this.emit("member", member);
      }
    }
  }
}
