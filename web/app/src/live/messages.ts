// The live call's messages in the app: Chinese first, English with ?lang=en.
import { type Catalogue, translator, type Translate } from "../../../shared/i18n";
import { lang } from "../i18n";

const zh = {
  "live.incoming": "实时视频请求",
  "live.incoming_detail": "值班民警请求查看您的现场画面并与您通话（后置摄像头和麦克风）",
  "live.about_task": "关于任务：{title}",
  "live.accept": "接听",
  "live.decline": "拒绝",
  "live.connecting": "正在连接…",
  "live.connected": "视频通话中",
  "live.end": "挂断",
  "live.ended": "视频通话已结束",
  "live.quality.good": "信号良好",
  "live.quality.fair": "信号一般",
  "live.quality.poor": "信号较差",
  "live.quality.none": "正在连接",
  "live.no_camera": "无法打开摄像头或麦克风：{why}",
  "live.not_recorded": "视频不录制、不保存",
} as const;

export type LiveKey = keyof typeof zh;

const en: Partial<Catalogue<LiveKey>> = {
  "live.incoming": "Live video request",
  "live.incoming_detail":
    "The officer on duty asks to see your surroundings and talk with you (rear camera and microphone)",
  "live.about_task": "About the task: {title}",
  "live.accept": "Accept",
  "live.decline": "Decline",
  "live.connecting": "Connecting…",
  "live.connected": "Live with the officer",
  "live.end": "End",
  "live.ended": "The live call has ended",
  "live.quality.good": "Good signal",
  "live.quality.fair": "Fair signal",
  "live.quality.poor": "Poor signal",
  "live.quality.none": "Connecting",
  "live.no_camera": "The camera or microphone could not be opened: {why}",
  "live.not_recorded": "Nothing is recorded",
};

export const lt: Translate<LiveKey> = translator<LiveKey>({ "zh-CN": zh, en }, lang);
