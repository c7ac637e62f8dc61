// interlog web SDK: a plain ES module (no build step) that batches user-interaction events and
// sends them to the interlog HTTP bridge (POST /v1/batch, contract in shared/DESIGN.md).
//
//   import { init, track } from "/interlog/interlog.js";
//   init({ writeKey: "ilw_...", endpoint: "https://ingest.example.com" });
//   track("PERFUME_VIEW", { perfumeId: "p-42", eventData: { source: "search" } });
//
// Delivery is at-least-once: events stay in a bounded localStorage queue until the bridge
// answered 2xx, so a page that goes away mid-request may send some events twice; `eventId`
// is the deduplication key downstream.

import {
  captureClicks,
  captureErrors,
  capturePageViews,
  captureWebVitals,
  currentPath,
  errorProps,
} from "./autocapture.js";
import { PersistedQueue, SafeStorage, nextSession, uuid4 } from "./storage.js";
import {
  backoffDelayMs,
  beaconBatch,
  chunkBySize,
  envelopeOverhead,
  postBatch,
  utf8Length,
} from "./transport.js";

export const VERSION = "0.1.0";

/**
 * @typedef {Object} AutocaptureOptions
 * @property {boolean} [pageViews=true] PAGE_VIEW at load and on SPA route changes
 * @property {boolean} [clicks=true] CLICK for elements marked `data-track`
 * @property {boolean} [webVitals=true] PERFORMANCE_METRIC for FCP, LCP, CLS, TTFB
 * @property {boolean} [errors=true] ERROR for window errors and unhandled rejections
 */

/**
 * @typedef {Object} Consent
 * @property {boolean} [analytics] false: the pipeline hashes ids and drops free text
 * @property {boolean} [personalization]
 */

/**
 * @typedef {Object} InitOptions
 * @property {string} writeKey the tenant's write key
 * @property {string} endpoint the bridge's base URL, e.g. "https://ingest.example.com"
 * @property {string} [batchPath="/v1/batch"]
 * @property {number} [batchSize=10] events per request in normal operation
 * @property {number} [flushIntervalMs=5000] oldest unsent event waits at most this long
 * @property {number} [maxBatchBytes=65536] request bodies stay under this (also the keepalive limit)
 * @property {number} [maxEventBytes=32768] larger events are dropped with a console warning
 * @property {number} [maxQueueEvents=1000] bound of the persisted queue (oldest dropped first)
 * @property {number} [maxQueueBytes=2000000] byte bound of the persisted queue (localStorage holds ~5 MB)
 * @property {number} [retryBaseMs=500] first backoff step
 * @property {number} [retryMaxMs=60000] backoff cap
 * @property {number} [maxRetryAfterMs=300000] longest Retry-After honoured
 * @property {number} [sessionIdleMs=1800000] a new session starts after 30 minutes idle
 * @property {number} [sessionMaxMs=86400000] ... or 24 hours after it started
 * @property {number} [heartbeatMs=30000] how often this page marks its queue as alive
 * @property {number} [staleQueueMs=300000] queues of pages silent this long are adopted
 * @property {"keepalive" | "beacon"} [unloadTransport="keepalive"] how the queue leaves a closing page
 * @property {boolean | AutocaptureOptions} [autocapture=true]
 * @property {number} [maxAutoErrors=25] auto-captured errors per page
 * @property {Consent} [consent] initial consent (otherwise the last setConsent, else the tenant default)
 * @property {string} [storagePrefix="interlog"] localStorage key prefix
 * @property {string} [appVersion]
 */

const DEFAULTS = {
  batchPath: "/v1/batch",
  batchSize: 10,
  flushIntervalMs: 5000,
  maxBatchBytes: 64 * 1024,
  maxEventBytes: 32 * 1024,
  maxQueueEvents: 1000,
  maxQueueBytes: 2_000_000,
  retryBaseMs: 500,
  retryMaxMs: 60_000,
  maxRetryAfterMs: 300_000,
  sessionIdleMs: 30 * 60_000,
  sessionMaxMs: 24 * 3_600_000,
  heartbeatMs: 30_000,
  staleQueueMs: 300_000,
  unloadTransport: "keepalive",
  maxAutoErrors: 25,
  storagePrefix: "interlog",
};

/** the bridge's per-request event limit */
const MAX_EVENTS_PER_REQUEST = 500;

/** track() properties that belong to the envelope; every other property goes to eventData */
const ENVELOPE_FIELDS = new Set([
  "path", "component", "action", "perfumeId", "houseId", "noteId", "duration", "value",
]);

/**
 * @typedef {Object} QueueEntry
 * @property {Record<string, any>} event
 * @property {string} json
 * @property {number} bytes
 * @property {"pending" | "sending" | "beaconed"} state
 * @property {null | "fetch" | "keepalive"} via
 */

/** @param {string} message @param {...unknown} rest */
function warn(message, ...rest) {
  console.warn(`interlog: ${message}`, ...rest);
}

/** One SDK instance bound to a write key and a bridge. Most pages use the module functions. */
export class InterlogClient {
  /** @param {InitOptions} options */
  constructor(options) {
    if (!options || typeof options.writeKey !== "string" || !options.writeKey) {
      throw new TypeError("interlog: init needs a writeKey");
    }
    if (typeof options.endpoint !== "string" || !options.endpoint) {
      throw new TypeError("interlog: init needs an endpoint (the bridge's base URL)");
    }
    const o = { ...DEFAULTS, ...options };
    this.options = o;
    this.writeKey = o.writeKey;
    // The endpoint may carry a path prefix (a reverse proxy) or be relative to the page.
    this.url = new URL(`${o.endpoint.replace(/\/+$/, "")}${o.batchPath}`, location.href).toString();
    this.overhead = envelopeOverhead(o.writeKey);
    const auto = options.autocapture ?? true;
    /** @type {Required<AutocaptureOptions>} */
    this.autocapture = {
      pageViews: auto === true || (typeof auto === "object" && auto.pageViews !== false),
      clicks: auto === true || (typeof auto === "object" && auto.clicks !== false),
      webVitals: auto === true || (typeof auto === "object" && auto.webVitals !== false),
      errors: auto === true || (typeof auto === "object" && auto.errors !== false),
    };
    this.storage = SafeStorage.forPage();
    this.prefix = o.storagePrefix;
    this.persisted = new PersistedQueue(this.storage, this.prefix, uuid4());
    /** @type {QueueEntry[]} */
    this.queue = [];
    this.attempt = 0;
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.retryTimer = null;
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.flushTimer = null;
    this.inFlight = 0;
    this.draining = false;
    this.released = false;
    this.persistScheduled = false;
    this.warnedQueueFull = false;
    this.warnedStorage = false;
    /** @type {Map<string, Set<(detail: any) => void>>} */
    this.listeners = new Map();
    /** @type {(() => void)[]} */
    this.cleanups = [];
    /** @type {{stop: () => void, reportFinal: () => void} | null} */
    this.vitals = null;

    this.anonymousId = this.storage.get(this.key("anonymousId")) || this.newAnonymousId();
    this.userId = this.storage.get(this.key("userId"));
    /** @type {Consent | null} */
    this.consent = null;
    if (options.consent) this.setConsent(options.consent);
    else this.consent = this.storage.getJSON(this.key("consent"));
  }

  /** @param {string} name @returns {string} */
  key(name) {
    return `${this.prefix}.${name}`;
  }

  /** @returns {string} */
  newAnonymousId() {
    const id = uuid4();
    this.storage.set(this.key("anonymousId"), id);
    return id;
  }

  /** Adopt queues left by earlier pages, listen to the page's lifecycle, start auto-capture. */
  start() {
    this.adoptOrphans();
    /** @param {string} type @param {EventListener} fn @param {EventTarget} target */
    const listen = (type, fn, target = window) => {
      target.addEventListener(type, fn);
      this.cleanups.push(() => target.removeEventListener(type, fn));
    };
    listen("visibilitychange", () => {
      if (document.visibilityState === "hidden") this.onPageLeaving(false);
    }, document);
    listen("pagehide", () => this.onPageLeaving(true));
    listen("pageshow", (e) => {
      if (/** @type {PageTransitionEvent} */ (e).persisted) this.onPageBack();
    });
    listen("online", () => this.retryNow());
    const heartbeat = setInterval(() => {
      this.adoptOrphans();
      this.persistNow();
    }, this.options.heartbeatMs);
    this.cleanups.push(() => clearInterval(heartbeat));

    const track = /** @type {(t: string, p: Record<string, any>) => void} */ (
      (type, props) => this.track(type, props)
    );
    if (this.autocapture.pageViews) this.cleanups.push(capturePageViews(() => this.page()));
    if (this.autocapture.clicks) this.cleanups.push(captureClicks(track));
    if (this.autocapture.errors) this.cleanups.push(captureErrors(track, this.options.maxAutoErrors));
    if (this.autocapture.webVitals) {
      const vitals = captureWebVitals(track);
      this.vitals = vitals;
      this.cleanups.push(() => vitals.stop());
    }
    return this;
  }

  /** Remove listeners and timers (the queue stays persisted for the next page). */
  destroy() {
    this.cleanups.splice(0).forEach((fn) => fn());
    this.clearTimers();
    this.persistNow();
  }

  // ---------------------------------------------------------------- public API

  /**
   * Record an event. Properties named like envelope fields (component, action, perfumeId,
   * houseId, noteId, duration, value, path) go to the envelope; `eventData` and every other
   * property go to eventData. An ERROR with `critical: true` is sent at once.
   * @param {string} eventType from the event catalog, e.g. "PERFUME_VIEW"
   * @param {Record<string, any>} [props]
   * @returns {string | null} the eventId, or null when the event was dropped
   */
  track(eventType, props = {}) {
    if (typeof eventType !== "string" || !eventType) {
      warn("track() needs an event type", eventType);
      return null;
    }
    const event = this.buildEvent(eventType, props || {});
    let json;
    try {
      json = JSON.stringify(event);
    } catch (error) {
      warn(`${eventType} is not serializable and was dropped`, error);
      return null;
    }
    const bytes = utf8Length(json);
    const limit = Math.min(this.options.maxEventBytes, this.options.maxBatchBytes - this.overhead);
    if (bytes > limit) {
      warn(`${eventType} is ${bytes} bytes (limit ${limit}) and was dropped`);
      this.emit("drop", { reason: "too_large", eventIds: [event.eventId] });
      return null;
    }
    this.enqueue({ event, json, bytes, state: "pending", via: null });
    if (eventType === "ERROR" && event.eventData.critical === true) this.sendCritical();
    else this.pump("track");
    return event.eventId;
  }

  /**
   * A PAGE_VIEW of the current route.
   * @param {Record<string, any>} [props]
   * @returns {string | null}
   */
  page(props = {}) {
    return this.track("PAGE_VIEW", { ...props, eventData: { title: document.title, ...(props.eventData || {}) } });
  }

  /**
   * An ERROR for a caught error.
   * @param {unknown} error
   * @param {{critical?: boolean, component?: string}} [info]
   * @returns {string | null}
   */
  captureError(error, info = {}) {
    return this.track("ERROR", errorProps(error, { kind: "caught", ...info }));
  }

  /** @param {string} userId the signed-in user; stamped on every later event (persisted) */
  identify(userId) {
    if (typeof userId !== "string" || !userId) {
      warn("identify() needs a non-empty user id");
      return;
    }
    this.userId = userId;
    this.storage.set(this.key("userId"), userId);
  }

  /** Forget the user: no userId, a new anonymousId and a new session (e.g. at sign-out). */
  reset() {
    this.userId = null;
    this.storage.remove(this.key("userId"));
    this.storage.remove(this.key("session"));
    this.anonymousId = this.newAnonymousId();
  }

  /** @param {Consent} consent merged into the current consent and persisted */
  setConsent(consent) {
    /** @type {Consent} */
    const merged = { ...(this.consent || {}) };
    for (const name of /** @type {const} */ (["analytics", "personalization"])) {
      if (typeof consent?.[name] === "boolean") merged[name] = consent[name];
    }
    this.consent = merged;
    this.storage.setJSON(this.key("consent"), merged);
  }

  /**
   * Send every queued event now (also skipping a running backoff).
   * @returns {Promise<boolean>} true when the queue is empty afterwards, false when a retry is pending
   */
  flush() {
    if (this.released) return Promise.resolve(false);
    const done = new Promise((resolve) => {
      const off = this.on("idle", (/** @type {{delivered: boolean}} */ detail) => {
        off();
        resolve(detail.delivered);
      });
    });
    this.draining = true;
    if (this.retryTimer) this.retryNow();
    else this.pump("flush");
    this.checkIdle();
    return /** @type {Promise<boolean>} */ (done);
  }

  /**
   * Subscribe to "send" {reason, transport, events, bytes, eventIds}, "result" {status,
   * outcome, events}, "drop" {reason, eventIds} or "idle" {delivered}. Returns the unsubscriber.
   * @param {"send" | "result" | "drop" | "idle"} name
   * @param {(detail: any) => void} fn
   * @returns {() => void}
   */
  on(name, fn) {
    if (!this.listeners.has(name)) this.listeners.set(name, new Set());
    const set = /** @type {Set<(detail: any) => void>} */ (this.listeners.get(name));
    set.add(fn);
    return () => set.delete(fn);
  }

  /** @returns {{queued: number, pending: number, sending: number, attempt: number}} */
  stats() {
    const count = (/** @type {string} */ s) => this.queue.filter((e) => e.state === s).length;
    return { queued: this.queue.length, pending: count("pending"), sending: count("sending"), attempt: this.attempt };
  }

  // ---------------------------------------------------------------- events

  /**
   * @param {string} eventType
   * @param {Record<string, any>} props
   * @returns {Record<string, any>}
   */
  buildEvent(eventType, props) {
    const now = Date.now();
    const stored = this.storage.getJSON(this.key("session"));
    const { session } = nextSession(stored, now, this.options.sessionIdleMs, this.options.sessionMaxMs);
    this.storage.setJSON(this.key("session"), session);
    /** @type {Record<string, any>} */
    const event = {
      eventId: uuid4(),
      eventType,
      timestamp: new Date(now).toISOString(),
      sessionId: session.id,
      anonymousId: this.anonymousId,
      path: currentPath(),
    };
    if (this.userId) event.userId = this.userId;
    /** @type {Record<string, any>} */
    const eventData = {};
    for (const [name, value] of Object.entries(props)) {
      if (value === undefined || name === "eventData") continue;
      if (ENVELOPE_FIELDS.has(name)) event[name] = value;
      else eventData[name] = value;
    }
    if (props.eventData && typeof props.eventData === "object") Object.assign(eventData, props.eventData);
    event.eventData = eventData;
    event.context = this.context();
    if (this.consent && Object.keys(this.consent).length > 0) event.consent = { ...this.consent };
    return event;
  }

  /** @returns {Record<string, any>} the envelope's `context` */
  context() {
    /** @type {Record<string, any>} */
    const context = {
      userAgent: navigator.userAgent,
      locale: navigator.language,
      viewport: { width: window.innerWidth, height: window.innerHeight },
      platform: "web",
    };
    try {
      context.timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch {
      /* no Intl */
    }
    if (document.referrer) context.referrer = document.referrer;
    if (this.options.appVersion) context.appVersion = this.options.appVersion;
    return context;
  }

  /** @param {QueueEntry} entry */
  enqueue(entry) {
    let bytes = this.queue.reduce((sum, e) => sum + e.bytes, 0);
    while (this.queue.length >= this.options.maxQueueEvents || bytes + entry.bytes > this.options.maxQueueBytes) {
      const oldest = this.queue.findIndex((e) => e.state !== "sending");
      if (oldest < 0) break;
      const [dropped] = this.queue.splice(oldest, 1);
      bytes -= dropped.bytes;
      if (!this.warnedQueueFull) {
        warn("the queue is full: dropping the oldest events");
        this.warnedQueueFull = true;
      }
      this.emit("drop", { reason: "queue_full", eventIds: [dropped.event.eventId] });
    }
    this.queue.push(entry);
    this.persistSoon();
  }

  /** Take over events persisted by pages that are gone. */
  adoptOrphans() {
    const events = this.persisted.adoptOrphans(Date.now(), this.options.staleQueueMs);
    if (events.length === 0) return;
    const known = new Set(this.queue.map((e) => e.event.eventId));
    for (const event of events) {
      if (!event || typeof event !== "object" || typeof event.eventId !== "string" || known.has(event.eventId)) continue;
      known.add(event.eventId);
      const json = JSON.stringify(event);
      this.enqueue({ event, json, bytes: utf8Length(json), state: "pending", via: null });
    }
    this.persistNow();
    this.draining = true;
    this.pump("adopted");
  }

  // ---------------------------------------------------------------- sending

  /**
   * Send what is due: a full chunk (batchSize events, or the bytes limit reached), or
   * everything when draining (interval elapsed, flush(), retry). One request at a time.
   * @param {string} reason
   */
  pump(reason) {
    if (this.released) return;
    while (!this.retryTimer && this.inFlight === 0) {
      const pending = this.queue.filter((e) => e.state === "pending");
      if (pending.length === 0) {
        this.draining = false;
        this.clearFlushTimer();
        this.checkIdle();
        return;
      }
      const chunks = chunkBySize(pending.map((e) => e.bytes), this.options.batchSize,
        this.options.maxBatchBytes, this.overhead);
      const full = chunks.length > 1 || chunks[0].length >= this.options.batchSize;
      if (!full && !this.draining) {
        this.armFlushTimer();
        return;
      }
      this.sendFetch(chunks[0].map((i) => pending[i]), reason, false);
    }
    if (this.queue.some((e) => e.state === "pending")) this.armFlushTimer();
  }

  /** A critical error goes out now with everything pending, even during a backoff. */
  sendCritical() {
    if (this.released) return;
    const pending = this.queue.filter((e) => e.state === "pending");
    const chunks = chunkBySize(pending.map((e) => e.bytes), this.options.batchSize,
      this.options.maxBatchBytes, this.overhead);
    for (const chunk of chunks) this.sendFetch(chunk.map((i) => pending[i]), "critical", false);
  }

  armFlushTimer() {
    if (this.flushTimer || this.released) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.draining = true;
      this.pump("interval");
    }, this.options.flushIntervalMs);
  }

  clearFlushTimer() {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  clearTimers() {
    this.clearFlushTimer();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /**
   * @param {QueueEntry[]} entries
   * @param {boolean} includeWriteKey
   * @returns {string} the batch body (events are already serialized)
   */
  body(entries, includeWriteKey) {
    const key = includeWriteKey ? `,"writeKey":${JSON.stringify(this.writeKey)}` : "";
    const sentAt = JSON.stringify(new Date().toISOString());
    return `{"batch":[${entries.map((e) => e.json).join(",")}],"sentAt":${sentAt}${key}}`;
  }

  /**
   * @param {QueueEntry[]} entries
   * @param {string} reason
   * @param {boolean} keepalive
   */
  sendFetch(entries, reason, keepalive) {
    const transport = keepalive ? "keepalive" : "fetch";
    for (const e of entries) {
      e.state = "sending";
      e.via = transport;
    }
    if (!keepalive) this.inFlight += 1;
    const body = this.body(entries, true);
    this.emit("send", {
      reason, transport, events: entries.length, bytes: utf8Length(body),
      eventIds: entries.map((e) => e.event.eventId),
    });
    postBatch(this.url, body, keepalive).then((result) => {
      if (!keepalive) this.inFlight -= 1;
      this.onResult(entries, result, transport);
    });
  }

  /**
   * @param {QueueEntry[]} entries
   * @param {import("./transport.js").SendResult} result
   * @param {string} transport
   */
  onResult(entries, result, transport) {
    // Entries resent by the unload path meanwhile belong to that request now.
    const mine = entries.filter((e) => e.via === transport && this.queue.includes(e));
    this.emit("result", { status: result.status, outcome: result.outcome, events: mine.length, transport });
    if (result.outcome === "retry") {
      for (const e of mine) {
        e.state = "pending";
        e.via = null;
      }
      this.scheduleRetry(result.retryAfterMs);
      this.persistSoon();
      this.checkIdle();
      return;
    }
    const done = new Set(mine);
    this.queue = this.queue.filter((e) => !done.has(e));
    if (result.outcome === "drop") {
      warn(`the bridge refused ${mine.length} events with HTTP ${result.status}; they were dropped`, result.body);
      this.emit("drop", { reason: `http_${result.status}`, eventIds: mine.map((e) => e.event.eventId) });
    } else {
      const rejected = Array.isArray(result.body?.rejected) ? result.body.rejected : [];
      if (rejected.length > 0) {
        warn(`the bridge rejected ${rejected.length} events`, rejected);
        this.emit("drop", { reason: "rejected", eventIds: rejected.map((/** @type {any} */ r) => r.eventId) });
      }
      this.attempt = 0;
      if (this.retryTimer) {
        // The bridge is answering again: stop waiting out the backoff.
        clearTimeout(this.retryTimer);
        this.retryTimer = null;
        this.draining = true;
      }
    }
    this.persistSoon();
    this.pump("continue");
  }

  /** @param {number | null} retryAfterMs */
  scheduleRetry(retryAfterMs) {
    this.attempt += 1;
    const backoff = backoffDelayMs(this.attempt, this.options.retryBaseMs, this.options.retryMaxMs);
    const delay = Math.max(backoff, Math.min(retryAfterMs ?? 0, this.options.maxRetryAfterMs));
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.clearFlushTimer();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.draining = true;
      this.pump("retry");
    }, delay);
  }

  retryNow() {
    if (!this.retryTimer) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.draining = true;
    this.pump("retry");
  }

  checkIdle() {
    if (!this.listeners.get("idle")?.size) return;
    const busy = this.queue.some((e) => e.state === "sending");
    if (busy) return;
    const pending = this.queue.some((e) => e.state === "pending");
    if (!pending || this.retryTimer) this.emit("idle", { delivered: !pending });
  }

  // ---------------------------------------------------------------- page lifecycle

  /**
   * The page is hidden or being unloaded: report the final web vitals and send the queue with
   * a transport that outlives the page, in chunks under maxBatchBytes. On pagehide the requests
   * that plain fetch had in flight are sent again (the page's fetches are cancelled), and the
   * persisted queue is released for the next page load (events stay there until confirmed).
   * @param {boolean} unloading true on pagehide
   */
  onPageLeaving(unloading) {
    this.vitals?.reportFinal();
    const leaving = this.queue.filter(
      (e) => e.state === "pending" || (unloading && e.state === "sending" && e.via === "fetch"),
    );
    const chunks = chunkBySize(leaving.map((e) => e.bytes), MAX_EVENTS_PER_REQUEST,
      this.options.maxBatchBytes, this.overhead);
    for (const chunk of chunks) {
      const entries = chunk.map((i) => leaving[i]);
      if (this.options.unloadTransport === "keepalive" && typeof fetch === "function") {
        this.sendFetch(entries, unloading ? "pagehide" : "hidden", true);
      } else if (beaconBatch(this.url, this.writeKey, this.body(entries, false))) {
        // Kept (persisted) until a later page load resends them: sendBeacon gives no answer.
        for (const e of entries) {
          e.state = "beaconed";
          e.via = null;
        }
        this.emit("send", {
          reason: unloading ? "pagehide" : "hidden", transport: "beacon", events: entries.length,
          bytes: 0, eventIds: entries.map((e) => e.event.eventId),
        });
      }
    }
    if (unloading) {
      this.released = true;
      this.clearTimers();
    }
    this.persistNow();
  }

  /** Restored from the back/forward cache: own the queue again and carry on. */
  onPageBack() {
    this.released = false;
    for (const e of this.queue) {
      if (e.state === "beaconed") e.state = "pending";
    }
    this.persistNow();
    this.draining = true;
    this.pump("pageshow");
  }

  persistSoon() {
    if (this.persistScheduled) return;
    this.persistScheduled = true;
    queueMicrotask(() => {
      this.persistScheduled = false;
      this.persistNow();
    });
  }

  persistNow() {
    const ok = this.persisted.save(this.queue.map((e) => e.event), Date.now(), this.released);
    if (!ok && this.queue.length > 0 && !this.warnedStorage) {
      this.warnedStorage = true;
      warn("localStorage refused the queue; unsent events will not survive a reload");
    }
  }

  /** @param {string} name @param {any} detail */
  emit(name, detail) {
    for (const fn of this.listeners.get(name) || []) {
      try {
        fn(detail);
      } catch (error) {
        warn(`a "${name}" listener threw`, error);
      }
    }
  }
}

/** @type {InterlogClient | null} */
let client = null;

/**
 * Start the SDK (once per page).
 * @param {InitOptions} options
 * @returns {InterlogClient}
 */
export function init(options) {
  if (client) {
    warn("init() was called twice; keeping the first configuration");
    return client;
  }
  client = new InterlogClient(options).start();
  return client;
}

/** @returns {InterlogClient | null} the client started by init() */
export function getClient() {
  return client;
}

/**
 * @template T
 * @param {(c: InterlogClient) => T} fn
 * @param {T} fallback
 * @returns {T}
 */
function withClient(fn, fallback) {
  if (!client) {
    warn("call init() first");
    return fallback;
  }
  return fn(client);
}

/** @param {string} eventType @param {Record<string, any>} [props] @returns {string | null} */
export const track = (eventType, props) => withClient((c) => c.track(eventType, props), null);
/** @param {Record<string, any>} [props] @returns {string | null} */
export const page = (props) => withClient((c) => c.page(props), null);
/** @param {string} userId */
export const identify = (userId) => withClient((c) => c.identify(userId), undefined);
export const reset = () => withClient((c) => c.reset(), undefined);
/** @param {Consent} consent */
export const setConsent = (consent) => withClient((c) => c.setConsent(consent), undefined);
/** @returns {Promise<boolean>} */
export const flush = () => withClient((c) => c.flush(), Promise.resolve(false));
/** @param {unknown} error @param {{critical?: boolean, component?: string}} [info] */
export const captureError = (error, info) => withClient((c) => c.captureError(error, info), null);
