// The communication screen: temporary groups (临时组群) with their messages — text, photos,
// location pins and push-to-talk clips (web/shared/intercom.ts), live — and their map drawings
// (画图作战), drawn here and shown live; bulletins with read receipts, composed with their
// audience area drawn on the same map, optionally also sent by SMS.
import { h, replaceChildren } from "../../../shared/dom";
import { DrawingsLayer, drawingChange, type DrawnFeature } from "../../../shared/drawings-layer";
import { formatTime, type Lang } from "../../../shared/i18n";
import { Intercom, recordingType, type TalkState } from "../../../shared/intercom";
import { ApiError, type Api } from "../api";
import "../map/geoman";
import { L } from "../map/leaflet";
import { CommsApi, type Bulletin, type BulletinDraft, type Group, type Message } from "./comms-api";
import { CommsStream, type CommsEvent } from "./comms-stream";
import { ct } from "./messages";
import "./comms.css";

const KINDS = ["alert", "news", "wanted", "case_notice", "knowledge"] as const;
const DEFAULT_CENTER: L.LatLngTuple = [27.78, 120.65];

type Tab = "groups" | "bulletins";
type DrawingChange = ["add" | "remove", DrawnFeature];
type Area = BulletinDraft["audience"]["area"];

export class CommsView {
  readonly element = h("section", { class: "view comms", "data-testid": "comms" });
  private readonly comms: CommsApi;
  private readonly stream: CommsStream;
  private readonly error = h("p", { class: "error", role: "alert" });
  private readonly side = h("div", { class: "comms-side" });
  private readonly panel = h("div", { class: "comms-panel" });
  private readonly mapBox = h("div", { class: "comms-map", "data-testid": "comms-map" });
  private map: L.Map | null = null;
  private readonly drawings = new DrawingsLayer();
  /** The open group's drawings again, for the live map (main.ts puts it there). */
  readonly liveDrawings = new DrawingsLayer();
  /** For each read of a group's drawings under way, its group and the changes to that group
   * heard since it began, applied over its answer (read before them, it would bring back a
   * drawing whose deletion was heard first). Only the latest read's answer is drawn. */
  private readonly heardWhileReading = new Map<DrawingChange[], string>();
  private reads = 0;
  private tab: Tab = "groups";
  private groups: Group[] = [];
  private group: Group | null = null;
  private readonly messages = h("ol", { class: "messages", "data-testid": "messages" });
  private readonly shownMessages = new Set<string>();
  private readonly intercom: Intercom;
  private readonly talkState = h("span", { class: "talk-state", "data-testid": "talk-state" });
  private area: Area = null;
  private areaLayer: L.Layer | null = null;
  private pinning = false;
  private readonly me: string;

  constructor(
    private readonly api: Api,
    private readonly lang: Lang,
  ) {
    this.comms = new CommsApi(api);
    this.me = api.session?.member.member_id ?? "";
    this.stream = new CommsStream(api, (type, data) => this.onEvent(type, data));
    this.intercom = new Intercom(
      {
        send: async (clip) => {
          const group = this.group;
          if (!group) throw new Error("no group");
          const name = clip.type === "audio/ogg" ? "ptt.ogg" : "ptt.webm";
          const stored = await this.comms.upload(clip, name);
          this.addMessage(
            await this.comms.post(group.group_id, { voice_media_id: stored.media_id }),
          );
        },
        fetchClip: (mediaId) => this.comms.media(mediaId),
      },
      {
        onState: (state, detail) => this.showTalkState(state, detail),
        onPlayback: (clip, phase) => {
          const row = this.messages.querySelector(`[data-message-id="${clip.messageId}"]`);
          row?.setAttribute("data-playback", phase);
        },
      },
    );
    replaceChildren(
      this.element,
      h(
        "div",
        { class: "comms-tabs" },
        h("h2", {}, ct("comms.title")),
        h(
          "button",
          { type: "button", "data-tab": "groups", onclick: () => this.show("groups") },
          ct("comms.groups"),
        ),
        h(
          "button",
          { type: "button", "data-tab": "bulletins", onclick: () => this.show("bulletins") },
          ct("comms.bulletins"),
        ),
      ),
      this.error,
      h("div", { class: "comms-body" }, this.side, this.panel, this.mapBox),
    );
  }

  async load(): Promise<void> {
    this.error.textContent = "";
    this.ensureMap();
    this.stream.start();
    await this.show(this.tab);
  }

  // Map --------------------------------------------------------------------------------------

  private ensureMap(): void {
    if (this.map) {
      window.setTimeout(() => this.map?.invalidateSize(), 0);
      return;
    }
    const map = L.map(this.mapBox, { zoomControl: true, attributionControl: false });
    map.setView(DEFAULT_CENTER, 14);
    this.drawings.layer.addTo(map);
    map.pm.setLang(this.lang === "en" ? "en" : "zh");
    map.pm.addControls({
      position: "topleft",
      drawPolyline: true,
      drawPolygon: true,
      drawMarker: true,
      drawCircle: true,
      drawRectangle: false,
      drawCircleMarker: false,
      drawText: false,
      editMode: false,
      dragMode: false,
      cutPolygon: false,
      removalMode: false,
      rotateMode: false,
    });
    map.on("pm:create", (event) => void this.drawn(event.layer));
    map.on("click", (event) => void this.pin(event.latlng));
    void this.api
      .allGrids()
      .then((grids) => {
        if (!grids.length) return;
        const bounds = L.geoJSON({
          type: "FeatureCollection",
          features: grids,
        } as unknown as GeoJSON.FeatureCollection).getBounds();
        if (bounds.isValid()) map.fitBounds(bounds);
      })
      .catch(() => {});
    this.map = map;
    window.setTimeout(() => map.invalidateSize(), 0);
  }

  private async drawn(layer: L.Layer): Promise<void> {
    if (this.tab === "bulletins") {
      this.areaLayer?.remove();
      this.areaLayer = layer;
      this.area = areaOf(layer);
      if (!this.area) layer.remove();
      this.renderAreaNote();
      return;
    }
    layer.remove(); // shown once the drawing comes back on the stream
    const group = this.group;
    if (!group) return;
    const geometry = geometryOf(layer);
    if (!geometry) return;
    const label = (
      this.panel.querySelector("input[name=label]") as HTMLInputElement | null
    )?.value.trim();
    try {
      const drawing = await this.comms.draw(group.group_id, {
        type: "Feature",
        geometry,
        properties: label ? { label } : {},
      } as never);
      this.drawing("add", drawing);
    } catch (error) {
      this.fail(error);
    }
  }

  private async pin(at: L.LatLng): Promise<void> {
    if (!this.pinning || !this.group) return;
    this.pinning = false;
    this.mapBox.classList.remove("pinning");
    try {
      this.addMessage(
        await this.comms.post(this.group.group_id, { location: { lat: at.lat, lon: at.lng } }),
      );
    } catch (error) {
      this.fail(error);
    }
  }

  // Tabs -------------------------------------------------------------------------------------

  private async show(tab: Tab): Promise<void> {
    this.tab = tab;
    for (const button of this.element.querySelectorAll<HTMLButtonElement>("[data-tab]")) {
      button.classList.toggle("active", button.dataset.tab === tab);
    }
    this.setDrawings([]);
    this.areaLayer?.remove();
    this.area = null;
    try {
      if (tab === "groups") await this.showGroups();
      else await this.showBulletins();
    } catch (error) {
      this.fail(error);
    }
  }

  // Groups -----------------------------------------------------------------------------------

  // A tab's answers arriving after another tab was chosen are dropped: the open group's
  // messages answering late would otherwise cover the bulletin composer just shown.
  private async showGroups(): Promise<void> {
    const groups = await this.comms.groups();
    if (this.tab !== "groups") return;
    this.groups = groups;
    this.renderGroupList();
    if (this.group) await this.open(this.group.group_id);
    else replaceChildren(this.panel, h("p", { class: "hint" }, ct("comms.no_group")));
  }

  private renderGroupList(): void {
    const name = h("input", {
      name: "group-name",
      required: true,
      maxlength: 60,
      placeholder: ct("comms.group_name"),
    });
    const members = h("select", { name: "group-members", multiple: true, size: 5 });
    const cohort = h(
      "select",
      { name: "group-cohort" },
      h("option", { value: "" }, ct("comms.cohort")),
    );
    void this.comms
      .verifiedMembers()
      .then((found) => {
        for (const m of found)
          members.append(h("option", { value: m.member_id }, `${m.name} ${m.phone_masked ?? ""}`));
      })
      .catch(() => {});
    void this.comms.cohorts().then((found) => {
      for (const c of found) cohort.append(h("option", { value: c.cohort_id }, c.name));
    });
    const form = h(
      "form",
      {
        class: "new-group",
        onsubmit: (event: Event) => {
          event.preventDefault();
          const chosen = [...members.selectedOptions].map((o) => o.value);
          void this.comms
            .createGroup({
              name: name.value.trim(),
              member_ids: chosen,
              cohort_id: cohort.value || null,
            })
            .then(async (group) => {
              name.value = "";
              this.group = group;
              await this.showGroups();
            })
            .catch((error) => this.fail(error));
        },
      },
      h("b", {}, ct("comms.new_group")),
      name,
      h("label", {}, ct("comms.members"), members),
      cohort,
      h("button", { type: "submit" }, ct("comms.create")),
    );
    replaceChildren(
      this.side,
      h(
        "ul",
        { class: "group-list", "data-testid": "groups" },
        ...this.groups.map((group) =>
          h(
            "li",
            {},
            h(
              "button",
              {
                type: "button",
                class: group.group_id === this.group?.group_id ? "active" : "",
                "data-group-id": group.group_id,
                onclick: () => {
                  this.intercom.unlock(); // a click: sound may start from now on
                  void this.open(group.group_id).catch((error) => this.fail(error));
                },
              },
              group.name,
              group.ended ? ` · ${ct("comms.ended")}` : "",
            ),
          ),
        ),
      ),
      form,
    );
  }

  private async open(groupId: string): Promise<void> {
    const group = this.groups.find((g) => g.group_id === groupId) ?? null;
    this.group = group;
    for (const button of this.side.querySelectorAll<HTMLButtonElement>("[data-group-id]")) {
      button.classList.toggle("active", button.dataset.groupId === groupId);
    }
    if (!group) return;
    const heard: DrawingChange[] = [];
    this.heardWhileReading.set(heard, groupId);
    const read = ++this.reads;
    let messages: Message[];
    let drawings: DrawnFeature[];
    try {
      [messages, drawings] = await Promise.all([
        this.comms.messages(groupId),
        this.comms.drawings(groupId),
      ]);
    } finally {
      this.heardWhileReading.delete(heard);
    }
    if (read !== this.reads || this.tab !== "groups" || this.group?.group_id !== groupId) return;
    this.setDrawings(drawings);
    for (const [change, drawing] of heard) this.drawing(change, drawing);
    this.messages.replaceChildren();
    this.shownMessages.clear();
    for (const message of messages.reverse()) this.addMessage(message);
    const text = h("input", { name: "text", maxlength: 2000, placeholder: ct("comms.text") });
    const photo = h("input", {
      type: "file",
      name: "photo",
      accept: "image/jpeg,image/png,image/webp",
    });
    const talk = h(
      "button",
      {
        type: "button",
        class: "talk",
        "data-testid": "talk",
        disabled: !recordingType() || group.ended,
      },
      ct("comms.talk"),
    );
    this.intercom.holdToTalk(talk);
    this.showTalkState("idle");
    replaceChildren(
      this.panel,
      h("h3", {}, group.name, group.ended ? ` · ${ct("comms.ended")}` : ""),
      h("p", { class: "hint" }, `${ct("comms.members")}: ${group.member_ids.length + 1}`),
      this.messages,
      h(
        "form",
        {
          class: "compose",
          onsubmit: (event: Event) => {
            event.preventDefault();
            void this.send(text, photo);
          },
        },
        text,
        photo,
        h("button", { type: "submit", disabled: group.ended }, ct("comms.send")),
        h(
          "button",
          {
            type: "button",
            onclick: () => {
              this.pinning = true;
              this.mapBox.classList.add("pinning");
              this.talkState.textContent = ct("comms.pin_hint");
            },
          },
          ct("comms.pin"),
        ),
      ),
      h("div", { class: "talk-row" }, talk, this.talkState),
      h("p", { class: "hint" }, ct("comms.draw_hint")),
      h("label", {}, ct("comms.label"), h("input", { name: "label", maxlength: 60 })),
    );
  }

  private async send(text: HTMLInputElement, photo: HTMLInputElement): Promise<void> {
    const group = this.group;
    if (!group) return;
    try {
      const media_ids: string[] = [];
      const file = photo.files?.[0];
      if (file) media_ids.push((await this.comms.upload(file, file.name)).media_id);
      if (!text.value.trim() && !media_ids.length) return;
      this.addMessage(await this.comms.post(group.group_id, { text: text.value, media_ids }));
      text.value = "";
      photo.value = "";
    } catch (error) {
      this.fail(error);
    }
  }

  private addMessage(message: Message): void {
    if (message.group_id !== this.group?.group_id || this.shownMessages.has(message.message_id))
      return;
    this.shownMessages.add(message.message_id);
    const parts: (Node | string)[] = [
      h(
        "span",
        { class: "who" },
        message.sender_id === this.me ? "我" : message.sender_id.slice(-6),
      ),
      h("time", {}, formatTime(message.sent_at, this.lang)),
    ];
    if (message.text) parts.push(h("span", { class: "text" }, message.text));
    if (message.location) {
      parts.push(
        h(
          "span",
          { class: "pin" },
          `📍 ${message.location.lat.toFixed(5)}, ${message.location.lon.toFixed(5)}`,
        ),
      );
    }
    for (const mediaId of message.media_ids) {
      const image = h("img", { class: "thumb", alt: ct("comms.photo") });
      void this.comms
        .mediaUrl(mediaId)
        .then((url) => (image.src = url))
        .catch(() => {});
      parts.push(image);
    }
    if (message.voice_media_id) {
      const seconds = ((message.voice_duration_ms ?? 0) / 1000).toFixed(1);
      const clip = { messageId: message.message_id, mediaId: message.voice_media_id };
      parts.push(
        h(
          "button",
          {
            type: "button",
            class: "voice",
            onclick: () =>
              this.intercom.hear({ ...clip, messageId: `${clip.messageId}#${Date.now()}` }),
          },
          `▶ ${ct("comms.voice", { seconds })}`,
        ),
      );
    }
    this.messages.append(
      h(
        "li",
        {
          "data-message-id": message.message_id,
          class: message.voice_media_id ? "voice-message" : "",
        },
        ...parts,
      ),
    );
    this.messages.scrollTop = this.messages.scrollHeight;
  }

  private showTalkState(state: TalkState, detail?: string): void {
    this.talkState.dataset.state = state;
    this.talkState.textContent =
      state === "recording"
        ? ct("comms.recording")
        : state === "sending"
          ? ct("comms.sending")
          : (detail ?? "");
  }

  // Bulletins --------------------------------------------------------------------------------

  private async showBulletins(): Promise<void> {
    const bulletins = await this.comms.bulletins();
    if (this.tab !== "bulletins") return;
    replaceChildren(
      this.side,
      h(
        "ul",
        { class: "bulletin-list", "data-testid": "bulletins" },
        ...bulletins.map((b) => this.bulletinRow(b)),
      ),
    );
    if (!bulletins.length) this.side.append(h("p", { class: "hint" }, ct("comms.none")));
    this.renderComposer();
  }

  private bulletinRow(b: Bulletin): HTMLElement {
    return h(
      "li",
      { "data-bulletin-id": b.bulletin_id },
      h("b", {}, `[${ct(`comms.kind.${b.kind}`)}] ${b.title}`),
      h("time", {}, formatTime(b.published_at, this.lang)),
      h(
        "span",
        { class: "reads" },
        ct("comms.reads", { read: b.read_count ?? 0, total: b.recipient_count ?? 0 }),
      ),
      b.sms ? h("span", { class: "sms" }, "SMS") : null,
      b.media_ids.length
        ? h(
            "span",
            { class: "attachments" },
            ct("comms.attachments", { count: b.media_ids.length }),
          )
        : null,
    );
  }

  private renderComposer(): void {
    const kind = h(
      "select",
      { name: "kind" },
      ...KINDS.map((k) => h("option", { value: k }, ct(`comms.kind.${k}`))),
    );
    const title = h("input", { name: "title", required: true, maxlength: 120 });
    const body = h("textarea", { name: "body", required: true, maxlength: 20000, rows: 4 });
    const everyone = h("input", { type: "checkbox", name: "everyone" });
    const sms = h("input", { type: "checkbox", name: "sms" });
    // A photo or a video clip; the gateway judges it by its bytes (docs/comms.md "Video clips").
    const attachment = h("input", {
      type: "file",
      name: "attachment",
      accept: "image/jpeg,image/png,image/webp,video/mp4,video/webm",
    });
    const notice = h("p", { class: "notice", role: "status" });
    replaceChildren(
      this.panel,
      h("h3", {}, ct("comms.compose")),
      h(
        "form",
        {
          class: "bulletin-form",
          onsubmit: (event: Event) => {
            event.preventDefault();
            const draft: BulletinDraft = {
              kind: kind.value as BulletinDraft["kind"],
              title: title.value.trim(),
              body: body.value,
              audience: { area: this.area, everyone: everyone.checked },
              sms: sms.checked,
            };
            const file = attachment.files?.[0];
            if (file) notice.textContent = ct("comms.uploading");
            void (file ? this.comms.upload(file, file.name) : Promise.resolve(null))
              .then((stored) =>
                this.comms.publish({ ...draft, media_ids: stored ? [stored.media_id] : [] }),
              )
              .then(async (bulletin) => {
                await this.showBulletins();
                this.panel.querySelector(".notice")!.textContent = ct("comms.published", {
                  count: bulletin.recipient_count ?? 0,
                });
              })
              .catch((error) => this.fail(error));
          },
        },
        h("label", {}, ct("comms.kind"), kind),
        h("label", {}, ct("comms.bulletin_title"), title),
        h("label", {}, ct("comms.body"), body),
        h("p", { class: "hint area-note" }, ct("comms.area_hint")),
        h("label", { class: "check" }, everyone, ct("comms.everyone")),
        h("label", { class: "check" }, sms, ct("comms.sms")),
        h("label", {}, ct("comms.attach"), attachment),
        h("button", { type: "submit" }, ct("comms.publish")),
      ),
      notice,
    );
    this.renderAreaNote();
  }

  private renderAreaNote(): void {
    const note = this.panel.querySelector(".area-note");
    if (note) note.textContent = this.area ? `✔ ${ct("comms.area_drawn")}` : ct("comms.area_hint");
  }

  // Live -------------------------------------------------------------------------------------

  private onEvent(type: CommsEvent, data: Record<string, unknown>): void {
    if (type === "shouwang.group.message") {
      const message = liveMessage(data);
      if (message.group_id === this.group?.group_id) this.addMessage(message);
      if (
        message.voice_media_id &&
        message.sender_id !== this.me &&
        message.group_id === this.group?.group_id
      ) {
        this.intercom.hear({
          messageId: message.message_id,
          mediaId: message.voice_media_id,
          senderId: message.sender_id,
          durationMs: message.voice_duration_ms ?? 0,
        });
      }
    } else if (type === "shouwang.group.drawing") {
      const change = drawingChange(data);
      const heard: DrawingChange | null = !change
        ? null
        : "deleted" in change
          ? ["remove", { drawing_id: change.deleted, feature: {} }]
          : ["add", change.added];
      if (heard && data.group_id === this.group?.group_id) this.drawing(...heard);
      for (const [changes, groupId] of this.heardWhileReading) {
        if (heard && data.group_id === groupId) changes.push(heard);
      }
    } else if (type === "shouwang.group.created" && this.tab === "groups") {
      void this.showGroups().catch(() => {});
    } else if (type === "shouwang.bulletin.published" && this.tab === "bulletins") {
      void this.comms
        .bulletins()
        .then((found) => {
          if (this.tab !== "bulletins") return;
          replaceChildren(
            this.side,
            h(
              "ul",
              { class: "bulletin-list", "data-testid": "bulletins" },
              ...found.map((b) => this.bulletinRow(b)),
            ),
          );
        })
        .catch(() => {});
    }
  }

  private setDrawings(drawings: DrawnFeature[]): void {
    this.drawings.set(drawings);
    this.liveDrawings.set(drawings);
  }

  private drawing(change: DrawingChange[0], drawing: DrawnFeature): void {
    for (const layer of [this.drawings, this.liveDrawings]) {
      if (change === "add") layer.add(drawing);
      else layer.remove(drawing.drawing_id);
    }
  }

  private fail(error: unknown): void {
    this.error.textContent = error instanceof ApiError ? error.explanation : String(error);
  }
}

/** A pushed group message (protobuf JSON: timestamps as strings, zero values left out). */
function liveMessage(data: Record<string, unknown>): Message {
  const location = data.location as { lat?: number; lon?: number } | undefined;
  return {
    message_id: String(data.message_id ?? ""),
    group_id: String(data.group_id ?? ""),
    sender_id: String(data.sender_id ?? ""),
    text: String(data.text ?? ""),
    media_ids: (data.media_ids as string[] | undefined) ?? [],
    location: location ? { lat: location.lat ?? 0, lon: location.lon ?? 0 } : null,
    sent_at: String(data.sent_at ?? ""),
    voice_media_id: (data.voice_media_id as string | undefined) ?? null,
    voice_duration_ms: (data.voice_duration_ms as number | undefined) ?? null,
  };
}

function areaOf(layer: L.Layer): Area {
  if (layer instanceof L.Circle) {
    const c = layer.getLatLng();
    return { center: { lat: c.lat, lon: c.lng }, radius_m: Math.round(layer.getRadius()) };
  }
  const geometry = geometryOf(layer);
  return geometry?.type === "Polygon" ? (geometry as Area) : null;
}

function geometryOf(layer: L.Layer): { type: string; coordinates: unknown } | null {
  const round = (value: number) => Math.round(value * 1e6) / 1e6;
  if (layer instanceof L.Marker) {
    const p = layer.getLatLng();
    return { type: "Point", coordinates: [round(p.lng), round(p.lat)] };
  }
  if (layer instanceof L.Polygon) {
    const ring = ((layer.getLatLngs() as L.LatLng[][])[0] ?? []).map((p) => [
      round(p.lng),
      round(p.lat),
    ]);
    if (ring.length < 3) return null;
    return { type: "Polygon", coordinates: [[...ring, ring[0]]] };
  }
  if (layer instanceof L.Polyline) {
    const line = (layer.getLatLngs() as L.LatLng[]).map((p) => [round(p.lng), round(p.lat)]);
    return line.length >= 2 ? { type: "LineString", coordinates: line } : null;
  }
  return null;
}
