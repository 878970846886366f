// The communication screen's typed client: bulletins, groups, messages, drawings and uploads
// (photos, voice clips, as multipart), with the console's session (its access token, which the
// console's Api keeps fresh).
import type { Schemas } from "../../../shared/schema";
import { API_PREFIX, ApiError, type Api } from "../api";

export type Group = Schemas["GroupView"];
export type GroupDraft = Schemas["GroupDraft"];
export type Message = Schemas["MessageView"];
export type MessageDraft = Schemas["MessageDraft"];
export type Drawing = Schemas["DrawingView"];
export type DrawingDraft = Schemas["DrawingDraft"];
export type Bulletin = Schemas["BulletinView"];
export type BulletinDraft = Schemas["BulletinDraft"];
export type Stored = Schemas["MediaStored"];
export type Cohort = { cohort_id: string; name: string };

const path = (id: string) => encodeURIComponent(id);

type Query = Record<string, string | number | null | undefined>;

export class CommsApi {
  constructor(private readonly api: Api) {}

  private async call<T>(
    method: string,
    route: string,
    options: { body?: unknown; query?: Query; idempotencyKey?: string } = {},
  ): Promise<T> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.api.session?.access_token ?? ""}`,
    };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    if (options.idempotencyKey) headers["Idempotency-Key"] = options.idempotencyKey;
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== null && value !== undefined) query.set(name, String(value));
    }
    const search = query.toString() ? `?${query}` : "";
    const response = await fetch(`${API_PREFIX}${route}${search}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    if (!response.ok) {
      throw new ApiError(response.status, await response.json().catch(() => ({})));
    }
    return (await response.json()) as T;
  }

  async groups(): Promise<Group[]> {
    const page = await this.call<Schemas["GroupPage"]>("GET", "/groups", {
      query: { limit: 100 },
    });
    return page.groups;
  }

  createGroup(draft: GroupDraft): Promise<Group> {
    return this.call("POST", "/groups", { body: draft, idempotencyKey: crypto.randomUUID() });
  }

  async messages(groupId: string): Promise<Message[]> {
    const page = await this.call<Schemas["MessagePage"]>(
      "GET",
      `/groups/${path(groupId)}/messages`,
      { query: { limit: 50 } },
    );
    return page.messages;
  }

  post(groupId: string, draft: MessageDraft): Promise<Message> {
    return this.call("POST", `/groups/${path(groupId)}/messages`, {
      body: draft,
      idempotencyKey: crypto.randomUUID(),
    });
  }

  async drawings(groupId: string): Promise<Drawing[]> {
    const list = await this.call<Schemas["DrawingList"]>(
      "GET",
      `/groups/${path(groupId)}/drawings`,
    );
    return list.drawings;
  }

  draw(groupId: string, feature: DrawingDraft): Promise<Drawing> {
    return this.call("POST", `/groups/${path(groupId)}/drawings`, {
      body: feature,
      idempotencyKey: crypto.randomUUID(),
    });
  }

  erase(groupId: string, drawingId: string): Promise<Drawing> {
    return this.call("DELETE", `/groups/${path(groupId)}/drawings/${path(drawingId)}`);
  }

  async bulletins(): Promise<Bulletin[]> {
    const page = await this.call<Schemas["BulletinPage"]>("GET", "/bulletins", {
      query: { limit: 50 },
    });
    return page.bulletins;
  }

  publish(draft: BulletinDraft): Promise<Bulletin> {
    return this.call("POST", "/bulletins", {
      body: draft,
      idempotencyKey: crypto.randomUUID(),
    });
  }

  async cohorts(): Promise<Cohort[]> {
    try {
      const page = await this.call<{ cohorts: Cohort[] }>("GET", "/cohorts", {
        query: { limit: 50 },
      });
      return page.cohorts;
    } catch {
      return []; // training not configured, or not listed for this caller
    }
  }

  async verifiedMembers(): Promise<Schemas["MemberView"][]> {
    const page = await this.api.members({ status: "verified" });
    return page.members;
  }

  /** A photo or a voice clip, uploaded as the signed-in officer. */
  async upload(file: Blob, name: string): Promise<Stored> {
    const send = () => {
      const form = new FormData();
      form.append("file", file, name);
      return fetch(`${API_PREFIX}/media`, {
        method: "POST",
        headers: { Authorization: `Bearer ${this.api.session?.access_token ?? ""}` },
        body: form,
      });
    };
    const response = await send();
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      throw new ApiError(response.status, problem);
    }
    return (await response.json()) as Stored;
  }

  /** A stored photo or clip's bytes. */
  async media(mediaId: string): Promise<Blob> {
    const response = await fetch(`${API_PREFIX}/media/${path(mediaId)}`, {
      headers: { Authorization: `Bearer ${this.api.session?.access_token ?? ""}` },
    });
    if (!response.ok) throw new ApiError(response.status, {});
    return response.blob();
  }

  mediaUrl(mediaId: string): Promise<string> {
    return this.api.mediaUrl(mediaId);
  }
}
