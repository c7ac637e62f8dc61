// Automatic capture for the interlog web SDK: page views and SPA route changes, clicks on
// `[data-track]` elements, web vitals (FCP, LCP, CLS, TTFB) and uncaught errors.
// Each installer returns a function that removes what it installed.

/**
 * @typedef {(eventType: string, props: Record<string, any>) => void} TrackFn
 */

/** @returns {string} the current route: path and query, without the fragment */
export function currentPath() {
  return `${location.pathname}${location.search}`;
}

/**
 * Page views: one now, then one per route change made with history.pushState/replaceState,
 * popstate (back/forward) or hashchange when the path or query changed.
 * @param {(reason: string) => void} onRoute called with "load" | "pushState" | "replaceState" | "popstate"
 * @returns {() => void}
 */
export function capturePageViews(onRoute) {
  let last = currentPath();
  onRoute("load");
  /** @param {string} reason */
  const check = (reason) => {
    const now = currentPath();
    if (now !== last) {
      last = now;
      onRoute(reason);
    }
  };
  const originalPush = history.pushState;
  const originalReplace = history.replaceState;
  history.pushState = function pushState(...args) {
    const result = originalPush.apply(this, /** @type {any} */ (args));
    check("pushState");
    return result;
  };
  history.replaceState = function replaceState(...args) {
    const result = originalReplace.apply(this, /** @type {any} */ (args));
    check("replaceState");
    return result;
  };
  const onPop = () => check("popstate");
  addEventListener("popstate", onPop);
  return () => {
    history.pushState = originalPush;
    history.replaceState = originalReplace;
    removeEventListener("popstate", onPop);
  };
}

/** camelCase resource ids read from `data-track-perfume-id` and friends */
const RESOURCE_ATTRIBUTES = /** @type {const} */ (["perfumeId", "houseId", "noteId"]);

/**
 * The CLICK event of an element marked `data-track` (pure over the element's dataset):
 * component from `data-track-component` or `data-track`, action from `data-track-action`
 * (default "click"), resource ids from `data-track-perfume-id|house-id|note-id`, and
 * `data-track-value` as the numeric value.
 * @param {HTMLElement} element
 * @returns {Record<string, any>} track() properties
 */
export function clickProps(element) {
  const d = element.dataset;
  /** @type {Record<string, any>} */
  const props = {
    component: d.trackComponent || d.track || element.tagName.toLowerCase(),
    action: d.trackAction || "click",
    eventData: { element: element.tagName.toLowerCase(), label: d.track || null },
  };
  if (element.id) props.eventData.elementId = element.id;
  for (const name of RESOURCE_ATTRIBUTES) {
    const key = `track${name[0].toUpperCase()}${name.slice(1)}`;
    if (d[key]) props[name] = d[key];
  }
  if (d.trackValue !== undefined && d.trackValue !== "" && Number.isFinite(Number(d.trackValue))) {
    props.value = Number(d.trackValue);
  }
  return props;
}

/**
 * Clicks on (or inside) elements carrying `data-track`, captured before page handlers run.
 * @param {TrackFn} track
 * @returns {() => void}
 */
export function captureClicks(track) {
  /** @param {Event} event */
  const onClick = (event) => {
    const target = /** @type {Element | null} */ (event.target);
    const element = target && typeof target.closest === "function" ? target.closest("[data-track]") : null;
    if (element) track("CLICK", clickProps(/** @type {HTMLElement} */ (element)));
  };
  document.addEventListener("click", onClick, true);
  return () => document.removeEventListener("click", onClick, true);
}

/** Web Vitals thresholds (good, poor) from web.dev */
const THRESHOLDS = { FCP: [1800, 3000], LCP: [2500, 4000], CLS: [0.1, 0.25], TTFB: [800, 1800] };

/**
 * @param {"FCP" | "LCP" | "CLS" | "TTFB"} metric
 * @param {number} value
 * @returns {"good" | "needs-improvement" | "poor"}
 */
export function rateMetric(metric, value) {
  const [good, poor] = THRESHOLDS[metric];
  if (value <= good) return "good";
  return value <= poor ? "needs-improvement" : "poor";
}

/**
 * The PERFORMANCE_METRIC properties of one measurement (pure).
 * @param {"FCP" | "LCP" | "CLS" | "TTFB"} metric
 * @param {number} value milliseconds, or the unitless CLS score
 * @returns {Record<string, any>}
 */
export function metricProps(metric, value) {
  const rounded = metric === "CLS" ? Math.round(value * 10000) / 10000 : Math.round(value);
  return {
    component: "web-vitals",
    value: rounded,
    eventData: {
      metric,
      value: rounded,
      unit: metric === "CLS" ? "score" : "ms",
      rating: rateMetric(metric, rounded),
    },
  };
}

/**
 * @param {string} type
 * @param {(entries: PerformanceEntry[]) => void} callback
 * @returns {PerformanceObserver | null}
 */
function observe(type, callback) {
  try {
    if (typeof PerformanceObserver === "undefined") return null;
    if (!PerformanceObserver.supportedEntryTypes?.includes(type)) return null;
    const observer = new PerformanceObserver((list) => callback(list.getEntries()));
    observer.observe({ type, buffered: true });
    return observer;
  } catch {
    return null;
  }
}

/**
 * Web vitals as PERFORMANCE_METRIC events: TTFB and FCP as soon as known; LCP and CLS once,
 * when the page is first hidden (their values are final only then). `reportFinal()` is called
 * by the client on visibilitychange(hidden)/pagehide before the queue is sent.
 * @param {TrackFn} track
 * @returns {{stop: () => void, reportFinal: () => void}}
 */
export function captureWebVitals(track) {
  /** @type {Set<string>} */
  const reported = new Set();
  /** @param {"FCP" | "LCP" | "CLS" | "TTFB"} metric @param {number} value */
  const report = (metric, value) => {
    if (reported.has(metric) || !Number.isFinite(value) || value < 0) return;
    reported.add(metric);
    track("PERFORMANCE_METRIC", metricProps(metric, value));
  };

  const nav = /** @type {PerformanceNavigationTiming | undefined} */ (
    performance.getEntriesByType?.("navigation")?.[0]
  );
  if (nav && nav.responseStart > 0) report("TTFB", nav.responseStart);

  const observers = [];
  observers.push(
    observe("paint", (entries) => {
      for (const e of entries) if (e.name === "first-contentful-paint") report("FCP", e.startTime);
    }),
  );
  let lcp = -1;
  observers.push(
    observe("largest-contentful-paint", (entries) => {
      for (const e of entries) lcp = Math.max(lcp, e.startTime);
    }),
  );
  // CLS: the largest "session window" of shifts (gap < 1 s, window < 5 s), as web-vitals does.
  let cls = 0;
  let windowValue = 0;
  let windowStart = -1;
  let windowLast = -1;
  const hasLayoutShift = observe("layout-shift", (entries) => {
    for (const e of /** @type {any[]} */ (entries)) {
      if (e.hadRecentInput) continue;
      if (windowStart >= 0 && e.startTime - windowLast < 1000 && e.startTime - windowStart < 5000) {
        windowValue += e.value;
      } else {
        windowValue = e.value;
        windowStart = e.startTime;
      }
      windowLast = e.startTime;
      cls = Math.max(cls, windowValue);
    }
  });
  observers.push(hasLayoutShift);

  return {
    stop: () => observers.forEach((o) => o?.disconnect()),
    reportFinal: () => {
      if (lcp >= 0) report("LCP", lcp);
      if (hasLayoutShift) report("CLS", cls);
    },
  };
}

/**
 * The ERROR properties of an uncaught error or rejection (pure).
 * @param {unknown} error the thrown value or rejection reason
 * @param {{kind: string, message?: string, source?: string, line?: number, column?: number, critical?: boolean, component?: string}} info
 * @returns {Record<string, any>}
 */
export function errorProps(error, info) {
  const err = /** @type {any} */ (error);
  const message = String(info.message || err?.message || (typeof error === "string" ? error : "") || "Unknown error");
  /** @type {Record<string, any>} */
  const eventData = { message: message.slice(0, 2000), kind: info.kind, critical: info.critical === true };
  if (typeof err?.stack === "string") eventData.stack = err.stack.slice(0, 8000);
  if (typeof err?.name === "string") eventData.name = err.name;
  if (info.source) eventData.source = info.source;
  if (typeof info.line === "number") eventData.line = info.line;
  if (typeof info.column === "number") eventData.column = info.column;
  if (info.component) eventData.component = info.component;
  return { component: info.component || "window", eventData };
}

/**
 * window "error" and "unhandledrejection" as ERROR events (not critical), at most
 * `maxPerPage` per page so an error loop cannot flood the queue.
 * @param {TrackFn} track
 * @param {number} maxPerPage
 * @returns {() => void}
 */
export function captureErrors(track, maxPerPage) {
  let count = 0;
  /** @param {ErrorEvent} e */
  const onError = (e) => {
    if (count >= maxPerPage) return;
    count += 1;
    track("ERROR", errorProps(e.error, {
      kind: "error", message: e.message, source: e.filename, line: e.lineno, column: e.colno,
    }));
  };
  /** @param {PromiseRejectionEvent} e */
  const onRejection = (e) => {
    if (count >= maxPerPage) return;
    count += 1;
    track("ERROR", errorProps(e.reason, { kind: "unhandledrejection" }));
  };
  addEventListener("error", onError);
  addEventListener("unhandledrejection", onRejection);
  return () => {
    removeEventListener("error", onError);
    removeEventListener("unhandledrejection", onRejection);
  };
}
