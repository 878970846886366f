// The live call's messages in the console: Chinese first, English with ?lang=en.
import { type Catalogue, translator, type Translate } from "../../../shared/i18n";
import { lang } from "../i18n";

const zh = {
  "live.watch": "实时视频",
  "live.title": "实时视频",
  "live.ringing": "正在呼叫，等待对方接听…",
  "live.connecting": "对方已接听，正在连接…",
  "live.connected": "通话中",
  "live.ended": "通话已结束",
  "live.end": "挂断",
  "live.close": "关闭",
  "live.mic_on": "麦克风已开启，对方可听到您的声音",
  "live.mic_off": "无法打开麦克风，对方听不到您",
  "live.position": "位置 {lat}, {lon}（{ago} 秒前）",
  "live.no_position": "暂无位置",
  "live.quality.good": "画质良好",
  "live.quality.fair": "画质一般",
  "live.quality.poor": "网络较差",
  "live.quality.none": "等待画面",
  "live.reason.declined": "对方拒绝了视频请求",
  "live.reason.hung_up": "通话已挂断",
  "live.reason.unanswered": "无人接听",
  "live.reason.task_ended": "任务已结束，通话自动结束",
  "live.reason.max_duration": "已达最长通话时间",
  "live.reason.suspended": "该队员已被停用",
  "live.reason.failed": "连接失败",
  "live.busy": "已有一路实时视频，请先挂断",
  "live.member": "队员",
  "live.not_recorded": "视频不录制、不保存",
} as const;

export type LiveKey = keyof typeof zh;

const en: Partial<Catalogue<LiveKey>> = {
  "live.watch": "Watch live",
  "live.title": "Live video",
  "live.ringing": "Calling, waiting for an answer…",
  "live.connecting": "Accepted, connecting…",
  "live.connected": "Live",
  "live.ended": "The call has ended",
  "live.end": "End",
  "live.close": "Close",
  "live.mic_on": "Your microphone is on: the member hears you",
  "live.mic_off": "No microphone: the member cannot hear you",
  "live.position": "Position {lat}, {lon} ({ago} s ago)",
  "live.no_position": "No position yet",
  "live.quality.good": "Good picture",
  "live.quality.fair": "Fair picture",
  "live.quality.poor": "Poor network",
  "live.quality.none": "Waiting for video",
  "live.reason.declined": "The member declined",
  "live.reason.hung_up": "The call was ended",
  "live.reason.unanswered": "No answer",
  "live.reason.task_ended": "The task ended, and the call with it",
  "live.reason.max_duration": "The longest call allowed is over",
  "live.reason.suspended": "The member was suspended",
  "live.reason.failed": "The connection failed",
  "live.busy": "A live call is open: end it first",
  "live.member": "Member",
  "live.not_recorded": "Nothing is recorded",
};

export const lt: Translate<LiveKey> = translator<LiveKey>({ "zh-CN": zh, en }, lang);
