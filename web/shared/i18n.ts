// Language choice and message lookup shared by the console and the app: zh-CN first, English
// with ?lang=en; a missing English message falls back to Chinese rather than to a key.

export type Lang = "zh-CN" | "en";

export function languageOf(search: string): Lang {
  const wanted = new URLSearchParams(search).get("lang") ?? "";
  return wanted.toLowerCase().startsWith("en") ? "en" : "zh-CN";
}

export type Catalogue<K extends string> = Record<K, string>;

export type Translate<K extends string> = (
  key: K,
  vars?: Record<string, string | number>,
) => string;

export function translator<K extends string>(
  catalogues: { "zh-CN": Catalogue<K>; en: Partial<Catalogue<K>> },
  lang: Lang,
): Translate<K> {
  const primary = catalogues[lang] as Partial<Catalogue<K>>;
  return (key, vars) => {
    const text = primary[key] ?? catalogues["zh-CN"][key];
    if (!vars) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
      name in vars ? String(vars[name]) : whole,
    );
  };
}

export function formatTime(iso: string | null | undefined, lang: Lang): string {
  if (!iso) return "";
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) return "";
  return moment.toLocaleString(lang, { hour12: false });
}
