// The app's service worker: caches exactly the shell its build made (the list and version are
// injected by scripts/build-web) and serves it from the cache, so the app opens without a
// network; a new build is a new worker with a new cache, and the old cache is deleted. The API
// is never cached here: what the member makes offline waits in the outbox (IndexedDB) instead.

declare const SHELL_FILES: string[];
declare const SHELL_VERSION: string;

// The few service-worker types used (the DOM library that the rest of the app is typed with
// does not declare them).
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface WorkerScope {
  addEventListener(type: "install" | "activate", listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: "fetch", listener: (event: FetchEvent) => void): void;
  skipWaiting(): Promise<void>;
  readonly clients: { claim(): Promise<void> };
  readonly registration: { readonly scope: string };
}

const worker = self as unknown as WorkerScope;
const CACHE = `shouwang-app-${SHELL_VERSION}`;
const shell = new Set(SHELL_FILES.map((file) => new URL(file, worker.registration.scope).href));

worker.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll([...shell].map((url) => new Request(url, { cache: "reload" }))))
      .then(() => worker.skipWaiting()),
  );
});

worker.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith("shouwang-app-") && name !== CACHE)
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => worker.clients.claim()),
  );
});

worker.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  // The app's page under any query (?lang=en) is the shell's index.
  const key =
    request.mode === "navigate" && url.href.startsWith(worker.registration.scope)
      ? worker.registration.scope
      : url.origin + url.pathname;
  if (!shell.has(key)) return;
  event.respondWith(
    caches
      .open(CACHE)
      .then((cache) => cache.match(key))
      .then((cached) => cached ?? fetch(request)),
  );
});
