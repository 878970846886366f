// The app's one client of the public HTTP API, typed by the shapes generated from the OpenAPI
// document. The session (web/shared/http.ts) keeps its refresh token in localStorage: a phone app
// stays signed in across restarts, and resumes once the network answers.
import { Transport, type Session } from "../../shared/http";
import type { Schemas } from "../../shared/schema";

export { ApiError, Unreachable, type Session } from "../../shared/http";

export type Profile = Schemas["Profile"];
export type Registration = Schemas["Registration"];
export type Fix = Schemas["LocationReport"]["fixes"][number];
export type Task = Schemas["TaskView"];
export type TaskPage = Schemas["TaskPage"];
export type ReportDraft = Schemas["ReportDraft"];
export type Category = Schemas["Category"];
export type PointsAccount = Schemas["PointsAccount"];
export type Leaderboard = Schemas["Leaderboard"];
export type Period = Schemas["Period"];
export type BoardScope = Schemas["BoardScope"];
export type CatalogueItem = Schemas["ItemView"];
export type Redemption = Schemas["RedemptionView"];
export type Bulletin = Schemas["BulletinView"];
export type Quiz = Schemas["QuizView"];
export type QuizResult = Schemas["QuizResult"];
export type Group = Schemas["GroupView"];
export type Message = Schemas["MessageView"];
export type Drawing = Schemas["DrawingView"];
export type PlaybackTicket = Schemas["PlaybackTicket"];
export type MemberExport = Schemas["MemberExport"];

const REFRESH_KEY = "shouwang.app.refresh";
const path = encodeURIComponent;

export class Api extends Transport {
  constructor() {
    super(localStorage, REFRESH_KEY);
  }

  register(registration: Registration): Promise<Schemas["Registered"]> {
    return this.request("POST", "/auth/register", { body: registration, anonymous: true });
  }

  me(): Promise<Profile> {
    return this.request("GET", "/me");
  }

  /** Every other session ends; this one goes on with the fresh pair the server answers. */
  async changePassword(change: Schemas["PasswordChange"]): Promise<void> {
    this.adopt(await this.request<Session>("POST", "/me/password", { body: change }));
  }

  exportData(): Promise<MemberExport> {
    return this.request("GET", "/me/export");
  }

  deleteAccount(): Promise<void> {
    return this.request("DELETE", "/me");
  }

  startDuty(): Promise<Schemas["DutyState"]> {
    return this.request("POST", "/duty/start");
  }

  endDuty(): Promise<Schemas["DutyState"]> {
    return this.request("POST", "/duty/end");
  }

  sendFixes(fixes: Fix[], key: string): Promise<Schemas["LocationReceipt"]> {
    return this.request("POST", "/location", { body: { fixes }, idempotencyKey: key });
  }

  /** A photo or a voice clip as multipart with a boundary fixed by its key: a retry sends the
   * same bytes, which the Idempotency-Key requires. */
  uploadMedia(photo: Blob, name: string, key: string): Promise<Schemas["MediaStored"]> {
    const boundary = `----shouwang-${key}`;
    const safeName = name.replace(/["\r\n]/g, "_") || "photo";
    const head =
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${safeName}"\r\n` +
      `Content-Type: ${photo.type || "application/octet-stream"}\r\n\r\n`;
    return this.request("POST", "/media", {
      raw: {
        body: new Blob([head, photo, `\r\n--${boundary}--\r\n`]),
        contentType: `multipart/form-data; boundary=${boundary}`,
      },
      idempotencyKey: key,
    });
  }

  fileReport(draft: ReportDraft, key: string): Promise<Schemas["ReportView"]> {
    return this.request("POST", "/reports", { body: draft, idempotencyKey: key });
  }

  myReports(): Promise<Schemas["ReportPage"]> {
    return this.request("GET", "/reports", { query: { limit: 20 } });
  }

  task(taskId: string): Promise<Task> {
    return this.request("GET", `/tasks/${path(taskId)}`);
  }

  myTasks(): Promise<TaskPage> {
    return this.request("GET", "/tasks", { query: { limit: 20 } });
  }

  claim(taskId: string): Promise<unknown> {
    return this.request("POST", `/tasks/${path(taskId)}/claim`);
  }

  decline(taskId: string): Promise<unknown> {
    return this.request("POST", `/tasks/${path(taskId)}/decline`);
  }

  arrive(taskId: string): Promise<Task> {
    return this.request("POST", `/tasks/${path(taskId)}/arrive`);
  }

  complete(taskId: string, completion: Schemas["Completion"], key: string): Promise<Task> {
    return this.request("POST", `/tasks/${path(taskId)}/complete`, {
      body: completion,
      idempotencyKey: key,
    });
  }

  points(): Promise<PointsAccount> {
    return this.request("GET", "/points/me", { query: { limit: 50 } });
  }

  leaderboard(period: Period, scope: BoardScope): Promise<Leaderboard> {
    return this.request("GET", "/points/leaderboard", { query: { period, scope, limit: 20 } });
  }

  catalogue(): Promise<Schemas["Catalogue"]> {
    return this.request("GET", "/points/catalogue", { query: { limit: 50 } });
  }

  redeem(itemId: string, key: string): Promise<Redemption> {
    return this.request("POST", "/points/redeem", {
      body: { item_id: itemId },
      idempotencyKey: key,
    });
  }

  redemptions(): Promise<Schemas["Redemptions"]> {
    return this.request("GET", "/points/redemptions", { query: { limit: 20 } });
  }

  bulletins(): Promise<Schemas["BulletinPage"]> {
    return this.request("GET", "/bulletins", { query: { limit: 50 } });
  }

  readBulletin(bulletinId: string): Promise<unknown> {
    return this.request("POST", `/bulletins/${path(bulletinId)}/read`);
  }

  quizzes(): Promise<Schemas["QuizPage"]> {
    return this.request("GET", "/quizzes", { query: { open: true, limit: 50 } });
  }

  answerQuiz(quizId: string, answers: number[], key: string): Promise<QuizResult> {
    return this.request("POST", `/quizzes/${path(quizId)}/answers`, {
      body: { answers },
      idempotencyKey: key,
    });
  }

  groups(): Promise<Schemas["GroupPage"]> {
    return this.request("GET", "/groups", { query: { limit: 50 } });
  }

  messages(groupId: string): Promise<Schemas["MessagePage"]> {
    return this.request("GET", `/groups/${path(groupId)}/messages`, { query: { limit: 50 } });
  }

  sendMessage(groupId: string, draft: Schemas["MessageDraft"], key: string): Promise<Message> {
    return this.request("POST", `/groups/${path(groupId)}/messages`, {
      body: draft,
      idempotencyKey: key,
    });
  }

  /** The drawings on a group's map (deleted ones left out by the server). */
  async drawings(groupId: string): Promise<Drawing[]> {
    const list = await this.request<Schemas["DrawingList"]>(
      "GET",
      `/groups/${path(groupId)}/drawings`,
    );
    return list.drawings;
  }

  /** A URL a <video> or <img> element loads by itself (byte ranges included), for a while. */
  mediaTicket(mediaId: string): Promise<PlaybackTicket> {
    return this.request("POST", `/media/${path(mediaId)}/tickets`);
  }

  /** A photo's or a clip's bytes (media needs the bearer header, so no plain <img src>). */
  async media(mediaId: string): Promise<Blob> {
    const response = await this.fetchWithSession("GET", `/media/${path(mediaId)}`);
    if (!response.ok) throw new Error(`media ${response.status}`);
    return response.blob();
  }

  async streamTicket(): Promise<string> {
    const reply = await this.request<Schemas["StreamTicket"]>("POST", "/stream/tickets");
    return reply.ticket;
  }
}
