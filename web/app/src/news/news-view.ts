// News: bulletins addressed to the member (alerts, news, wanted notices, case notices, safety
// knowledge; opening one sends its read receipt and shows its photos and video clips), open
// quizzes to answer once, and the member's groups with their messages and push-to-talk
// (web/shared/intercom.ts: hold to record, release to send; clips heard in order as they arrive
// on /stream, and again by a tap).
import { h, replaceChildren } from "../../../shared/dom";
import { formatTime } from "../../../shared/i18n";
import { Intercom, recordingType, type TalkState } from "../../../shared/intercom";
import {
  ApiError,
  type Bulletin,
  type Group,
  type Message,
  type PlaybackTicket,
  type Quiz,
} from "../api";
import type { AppContext, Screen } from "../context";
import "./news.css";

const TABS = ["bulletins", "quizzes", "groups"] as const;
type Tab = (typeof TABS)[number];

export class NewsView implements Screen {
  readonly element: HTMLElement;
  private tab: Tab = "bulletins";
  private tabs = h("div", { class: "segment tabs" });
  private body = h("div", { class: "news-body" });
  private problem = h("p", { class: "field-error" });
  private openGroup: Group | null = null;
  private intercom: { groupId: string; talk: Intercom } | null = null;
  // The open group's conversation, drawn once: a message arriving refreshes only its list, so
  // the talk button stays under a finger holding it and a draft being typed stays put.
  private conversation: { groupId: string; messages: HTMLElement } | null = null;
  private listing = 0; // the latest history asked for (an older answer arriving late is dropped)
  // The latest tab asked for: a tab's list arriving after another tab was chosen is dropped
  // (bulletins answering late would otherwise cover the groups just tapped).
  private loading = 0;

  constructor(private readonly ctx: AppContext) {
    this.element = h("section", { class: "screen news" }, this.tabs, this.problem, this.body);
    this.drawTabs();
  }

  shown(): void {
    void this.load();
  }

  /** A group message arrived on /stream: redraw the conversation if it is open, and play a
   * clip from someone else in the group whose conversation is open. */
  messageArrived(message: Partial<Message>): void {
    const open = this.openGroup;
    if (this.tab !== "groups" || !open || open.group_id !== message.group_id) return;
    if (this.element.hidden) return;
    const me = this.ctx.store.profile?.member_id;
    if (message.voice_media_id && message.message_id && message.sender_id !== me) {
      this.talkIn(open).hear({ messageId: message.message_id, mediaId: message.voice_media_id });
    }
    void this.showGroup(open);
  }

  /** The intercom of the open group (one at a time: it holds the microphone). */
  private talkIn(group: Group): Intercom {
    if (this.intercom?.groupId === group.group_id) return this.intercom.talk;
    this.intercom?.talk.close();
    const { api, t } = this.ctx;
    const talk = new Intercom(
      {
        send: async (clip) => {
          const stored = await api.uploadMedia(clip, "voice", crypto.randomUUID());
          await api.sendMessage(
            group.group_id,
            { voice_media_id: stored.media_id },
            crypto.randomUUID(),
          );
        },
        fetchClip: (mediaId) => api.media(mediaId),
      },
      {
        onState: (state: TalkState) => {
          const button = this.element.querySelector<HTMLElement>(".talk");
          if (!button) return;
          button.classList.toggle("recording", state === "recording");
          button.textContent = t(state === "recording" ? "group.talking" : "group.talk");
          if (state === "error") this.problem.textContent = t("group.talk_failed");
        },
      },
    );
    this.intercom = { groupId: group.group_id, talk };
    return talk;
  }

  private leaveGroup(): void {
    this.openGroup = null;
    this.conversation = null;
    this.intercom?.talk.close();
    this.intercom = null;
  }

  private drawTabs(): void {
    replaceChildren(
      this.tabs,
      ...TABS.map((tab) =>
        h(
          "button",
          {
            type: "button",
            class: tab === this.tab ? "active" : "",
            "data-tab": tab,
            onclick: () => {
              this.tab = tab;
              this.leaveGroup();
              this.drawTabs();
              void this.load();
            },
          },
          this.ctx.t(`news.${tab}`),
        ),
      ),
    );
  }

  private async load(): Promise<void> {
    const asked = ++this.loading;
    const stillWanted = () => asked === this.loading;
    this.problem.textContent = "";
    try {
      if (this.tab === "bulletins") await this.showBulletins(stillWanted);
      else if (this.tab === "quizzes") await this.showQuizzes(stillWanted);
      else if (this.openGroup) await this.showGroup(this.openGroup);
      else await this.showGroups(stillWanted);
    } catch (error) {
      if (!stillWanted()) return;
      this.problem.textContent =
        error instanceof ApiError ? error.message : this.ctx.t("error.offline");
    }
  }

  private async showBulletins(stillWanted: () => boolean): Promise<void> {
    const { t, lang } = this.ctx;
    const page = await this.ctx.api.bulletins();
    if (!stillWanted()) return;
    const row = (bulletin: Bulletin) => {
      const media = h("div", { class: "bulletin-media" });
      const body = h(
        "div",
        { class: "bulletin-body", hidden: true },
        h("p", {}, bulletin.body),
        media,
      );
      const item = h(
        "li",
        { class: `bulletin ${bulletin.read ? "read" : "unread"} kind-${bulletin.kind}` },
        h("span", { class: `badge ${bulletin.kind}` }, t(`bulletin.${bulletin.kind}`)),
        h("b", {}, ` ${bulletin.title}`),
        bulletin.media_ids.length
          ? h(
              "small",
              { class: "attachments" },
              t("bulletin.attachments", { count: bulletin.media_ids.length }),
            )
          : null,
        h("small", {}, formatTime(bulletin.published_at, lang)),
        body,
      );
      item.onclick = (event) => {
        if ((event.target as HTMLElement).closest(".bulletin-media")) return; // the player's
        body.hidden = !body.hidden;
        if (!body.hidden && !media.childElementCount) this.showMedia(bulletin, media);
        if (!bulletin.read) {
          bulletin.read = true;
          item.classList.replace("unread", "read");
          void this.ctx.api.readBulletin(bulletin.bulletin_id).catch(() => {});
        }
      };
      return item;
    };
    replaceChildren(
      this.body,
      page.bulletins.length
        ? h("ul", { class: "list" }, ...page.bulletins.map(row))
        : h("p", { class: "muted" }, t("news.none")),
    );
  }

  /** A bulletin's photos and video clips, each loaded by the element itself from a playback
   * ticket's URL: a <video> fetches byte ranges as it plays and seeks, which a bearer header
   * (that elements cannot send) would not allow. */
  private showMedia(bulletin: Bulletin, box: HTMLElement): void {
    const { api, t } = this.ctx;
    for (const mediaId of bulletin.media_ids) {
      const slot = h("div", { class: "media-slot", "data-media-id": mediaId });
      box.append(slot);
      void api
        .mediaTicket(mediaId)
        .then((ticket) => slot.append(mediaElement(ticket, () => api.mediaTicket(mediaId), t)))
        .catch(() => slot.append(h("p", { class: "muted" }, t("bulletin.media_failed"))));
    }
  }

  private async showQuizzes(stillWanted: () => boolean): Promise<void> {
    const page = await this.ctx.api.quizzes();
    if (!stillWanted()) return;
    replaceChildren(
      this.body,
      page.quizzes.length
        ? h("div", {}, ...page.quizzes.map((quiz) => this.quizForm(quiz)))
        : h("p", { class: "muted" }, this.ctx.t("news.none")),
    );
  }

  private quizForm(quiz: Quiz): HTMLElement {
    const { t } = this.ctx;
    const outcome = h("p", { class: "done" });
    const form = h(
      "form",
      { class: "quiz", "data-quiz": quiz.quiz_id },
      h("h3", {}, quiz.title),
      ...quiz.questions.map((question, q) =>
        h(
          "fieldset",
          {},
          h("legend", {}, `${q + 1}. ${question.text}`),
          ...question.choices.map((choice, c) =>
            h(
              "label",
              { class: "choice" },
              h("input", { type: "radio", name: `q${q}`, value: c, required: true }),
              h("span", {}, choice),
            ),
          ),
        ),
      ),
      quiz.answered
        ? h("p", { class: "muted" }, t("quiz.answered"))
        : h("button", { type: "submit", class: "primary" }, t("quiz.submit")),
      outcome,
    );
    const key = crypto.randomUUID();
    form.onsubmit = async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const answers = quiz.questions.map((_, q) => Number(data.get(`q${q}`)));
      try {
        const result = await this.ctx.api.answerQuiz(quiz.quiz_id, answers, key);
        outcome.textContent = t("quiz.result", {
          correct: result.correct,
          total: result.total,
          points: result.points,
        });
        form.querySelector("button")?.remove();
      } catch (error) {
        outcome.textContent = error instanceof ApiError ? error.message : t("error.offline");
      }
    };
    return form;
  }

  private async showGroups(stillWanted: () => boolean): Promise<void> {
    const page = await this.ctx.api.groups();
    if (!stillWanted()) return;
    replaceChildren(
      this.body,
      page.groups.length
        ? h(
            "ul",
            { class: "list" },
            ...page.groups.map((group) =>
              h(
                "li",
                {
                  class: "group",
                  onclick: () => {
                    this.openGroup = group;
                    void this.load();
                  },
                },
                h("b", {}, group.name),
                h("small", {}, this.ctx.t("group.members", { count: group.member_ids.length })),
              ),
            ),
          )
        : h("p", { class: "muted" }, this.ctx.t("news.none")),
    );
  }

  /** The group's history, oldest first, in its conversation (drawn the first time). */
  private async showGroup(group: Group): Promise<void> {
    const { lang, api, store } = this.ctx;
    const asked = ++this.listing;
    const page = await api.messages(group.group_id);
    if (asked !== this.listing || this.openGroup?.group_id !== group.group_id) return;
    const me = store.profile?.member_id;
    let conversation = this.conversation;
    if (conversation?.groupId !== group.group_id || !this.body.contains(conversation.messages)) {
      conversation = this.drawConversation(group);
    }
    replaceChildren(
      conversation.messages,
      ...[...page.messages]
        .reverse()
        .map((message) =>
          h(
            "li",
            { class: message.sender_id === me ? "mine" : "" },
            message.voice_media_id ? this.clipButton(group, message) : message.text,
            h("small", {}, formatTime(message.sent_at, lang)),
          ),
        ),
    );
  }

  private drawConversation(group: Group): { groupId: string; messages: HTMLElement } {
    const { t, api } = this.ctx;
    const messages = h("ul", { class: "messages" });
    const text = h("input", { name: "text", autocomplete: "off", placeholder: t("group.say") });
    const form = h(
      "form",
      { class: "say" },
      text,
      h("button", { type: "submit", class: "primary" }, t("group.send")),
    );
    form.onsubmit = async (event) => {
      event.preventDefault();
      if (!text.value.trim()) return;
      try {
        await api.sendMessage(group.group_id, { text: text.value.trim() }, crypto.randomUUID());
        text.value = "";
        await this.showGroup(group);
      } catch (error) {
        this.problem.textContent = error instanceof ApiError ? error.message : t("error.offline");
      }
    };
    replaceChildren(
      this.body,
      h(
        "button",
        {
          type: "button",
          class: "ghost",
          onclick: () => {
            this.leaveGroup();
            void this.load();
          },
        },
        `‹ ${t("group.back")}`,
      ),
      h("h3", {}, group.name),
      messages,
      form,
      recordingType()
        ? this.talkButton(group)
        : h("p", { class: "muted" }, t("group.talk_unsupported")),
    );
    this.conversation = { groupId: group.group_id, messages };
    return this.conversation;
  }

  private talkButton(group: Group): HTMLElement {
    const button = h("button", { type: "button", class: "talk huge" }, this.ctx.t("group.talk"));
    this.talkIn(group).holdToTalk(button);
    return button;
  }

  private clipButton(group: Group, message: Message): HTMLElement {
    const seconds = ((message.voice_duration_ms ?? 0) / 1000).toFixed(1);
    return h(
      "button",
      {
        type: "button",
        class: "small clip",
        onclick: () =>
          this.talkIn(group).hear({
            messageId: `${message.message_id}:${Date.now()}`, // heard again on every tap
            mediaId: message.voice_media_id!,
          }),
      },
      `▶ ${this.ctx.t("group.clip", { seconds })}`,
    );
  }
}

/** A <video controls playsinline> for a clip (its metadata only until played: a phone on a
 * metered network fetches the rest as it plays), an <img> for a photo. A ticket expires: when
 * the video fails to load a range, it is given a fresh URL once and resumes where it was. */
function mediaElement(
  ticket: PlaybackTicket,
  renew: () => Promise<PlaybackTicket>,
  t: AppContext["t"],
): HTMLElement {
  if (!ticket.content_type.startsWith("video/")) {
    return h("img", { class: "bulletin-photo", src: ticket.url, alt: "" });
  }
  const video = h("video", {
    class: "bulletin-video",
    controls: true,
    playsinline: true,
    preload: "metadata",
    src: ticket.url,
    "aria-label": t("bulletin.video"),
  });
  let renewed = false;
  video.addEventListener("error", () => {
    if (renewed) return;
    renewed = true;
    const at = video.currentTime;
    void renew()
      .then((fresh) => {
        video.src = fresh.url;
        video.currentTime = at;
      })
      .catch(() => {});
  });
  return video;
}
