// Sending batches to the interlog bridge: chunking by count and bytes, response classes,
// exponential backoff with jitter, Retry-After, and the page-unload transports.

const encoder = new TextEncoder();

/** @param {string} text @returns {number} UTF-8 byte length */
export function utf8Length(text) {
  return encoder.encode(text).length;
}

/**
 * Bytes of the batch body around its events: `{"batch":[...],"sentAt":"...","writeKey":"..."}`.
 * @param {string} writeKey
 * @returns {number}
 */
export function envelopeOverhead(writeKey) {
  return utf8Length(JSON.stringify({ batch: [], sentAt: new Date(0).toISOString(), writeKey })) + 8;
}

/**
 * Split `sizes` (bytes of each serialized event, in queue order) into consecutive chunks of at
 * most `maxEvents` events whose body stays under `maxBytes` (including the envelope and commas).
 * A single event larger than the budget is never produced by the client (it is dropped at
 * `track`), but gets its own chunk defensively.
 * @param {number[]} sizes
 * @param {number} maxEvents
 * @param {number} maxBytes
 * @param {number} overhead envelope bytes
 * @returns {number[][]} indexes into `sizes`
 */
export function chunkBySize(sizes, maxEvents, maxBytes, overhead) {
  /** @type {number[][]} */
  const chunks = [];
  /** @type {number[]} */
  let current = [];
  let bytes = overhead;
  sizes.forEach((size, index) => {
    const extra = size + (current.length > 0 ? 1 : 0);
    if (current.length > 0 && (current.length >= maxEvents || bytes + extra >= maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = overhead;
    }
    bytes += size + (current.length > 0 ? 1 : 0);
    current.push(index);
  });
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Backoff before retry number `attempt` (1-based): exponential from `baseMs` capped at `maxMs`,
 * with "equal jitter" (half fixed, half random) so clients that failed together spread out.
 * @param {number} attempt
 * @param {number} baseMs default 500
 * @param {number} maxMs default 60000
 * @param {() => number} random in [0, 1)
 * @returns {number} milliseconds
 */
export function backoffDelayMs(attempt, baseMs, maxMs, random = Math.random) {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/**
 * `Retry-After` as milliseconds: delta-seconds or an HTTP date; null when absent or malformed.
 * @param {string | null} value
 * @param {number} now epoch ms
 * @returns {number | null}
 */
export function parseRetryAfter(value, now) {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

/**
 * What to do with a batch after an HTTP status: "ok" (delivered; the bridge may still list
 * rejected events), "retry" (network error = status 0, 408, 429, 5xx) or "drop" (other 4xx:
 * retrying cannot help).
 * @param {number} status
 * @returns {"ok" | "retry" | "drop"}
 */
export function classifyStatus(status) {
  if (status >= 200 && status < 300) return "ok";
  if (status === 0 || status === 408 || status === 429 || status >= 500) return "retry";
  return "drop";
}

/**
 * @typedef {Object} SendResult
 * @property {"ok" | "retry" | "drop"} outcome
 * @property {number} status HTTP status, 0 for a network error
 * @property {number | null} retryAfterMs from the Retry-After header
 * @property {any} body parsed JSON body, or the text, or null
 */

/**
 * POST one batch with fetch (`text/plain` so the browser sends no CORS preflight; the write key
 * travels in the body).
 * @param {string} url the bridge's batch URL
 * @param {string} body the serialized batch
 * @param {boolean} keepalive let the request outlive the page (bodies must stay under 64 KB)
 * @returns {Promise<SendResult>}
 */
export async function postBatch(url, body, keepalive) {
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      body,
      keepalive,
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": "text/plain;charset=UTF-8" },
    });
  } catch {
    return { outcome: "retry", status: 0, retryAfterMs: null, body: null };
  }
  const text = await response.text().catch(() => "");
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return {
    outcome: classifyStatus(response.status),
    status: response.status,
    retryAfterMs: parseRetryAfter(response.headers.get("Retry-After"), Date.now()),
    body: parsed,
  };
}

/**
 * Queue one batch with navigator.sendBeacon (no headers possible: the write key goes in the
 * query string). Returns false when the browser refused it (e.g. its keepalive quota is used).
 * @param {string} url the bridge's batch URL
 * @param {string} writeKey
 * @param {string} body
 * @returns {boolean}
 */
export function beaconBatch(url, writeKey, body) {
  if (typeof navigator === "undefined" || typeof navigator.sendBeacon !== "function") return false;
  const target = new URL(url);
  target.searchParams.set("writeKey", writeKey);
  try {
    return navigator.sendBeacon(target.toString(), new Blob([body], { type: "text/plain;charset=UTF-8" }));
  } catch {
    return false;
  }
}
