// Persistent browser state of the interlog web SDK: identifiers, the session and the
// crash-safe event queue, all in localStorage (falling back to memory where it is unavailable).

/**
 * A tiny key-value store over localStorage that never throws (private modes, quota errors).
 */
export class SafeStorage {
  /** @param {Storage | null} backend */
  constructor(backend) {
    /** @type {Storage | null} */
    this.backend = backend;
    /** @type {Map<string, string>} */
    this.memory = new Map();
  }

  /** @returns {SafeStorage} the page's localStorage, or memory only when it cannot be used. */
  static forPage() {
    try {
      const ls = globalThis.localStorage;
      const probe = "__interlog_probe__";
      ls.setItem(probe, "1");
      ls.removeItem(probe);
      return new SafeStorage(ls);
    } catch {
      return new SafeStorage(null);
    }
  }

  /** @param {string} key @returns {string | null} */
  get(key) {
    if (this.backend) {
      try {
        return this.backend.getItem(key);
      } catch {
        /* fall through to memory */
      }
    }
    return this.memory.has(key) ? /** @type {string} */ (this.memory.get(key)) : null;
  }

  /** @param {string} key @param {string} value @returns {boolean} false when it was kept in memory only. */
  set(key, value) {
    this.memory.set(key, value);
    if (!this.backend) return false;
    try {
      this.backend.setItem(key, value);
      return true;
    } catch {
      return false; // quota exceeded: memory still has it for this page
    }
  }

  /** @param {string} key */
  remove(key) {
    this.memory.delete(key);
    try {
      this.backend?.removeItem(key);
    } catch {
      /* ignore */
    }
  }

  /** @param {string} prefix @returns {string[]} keys starting with prefix */
  keysWithPrefix(prefix) {
    const keys = new Set([...this.memory.keys()].filter((k) => k.startsWith(prefix)));
    if (this.backend) {
      try {
        for (let i = 0; i < this.backend.length; i += 1) {
          const key = this.backend.key(i);
          if (key !== null && key.startsWith(prefix)) keys.add(key);
        }
      } catch {
        /* ignore */
      }
    }
    return [...keys];
  }

  /** @param {string} key @returns {any} parsed JSON or null */
  getJSON(key) {
    const raw = this.get(key);
    if (raw === null) return null;
    try {
      return JSON.parse(raw);
    } catch {
      return null;
    }
  }

  /** @param {string} key @param {unknown} value @returns {boolean} */
  setJSON(key, value) {
    return this.set(key, JSON.stringify(value));
  }
}

/** @returns {string} a random UUID v4 (crypto.randomUUID needs a secure context; fall back otherwise). */
export function uuid4() {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") {
    try {
      return c.randomUUID();
    } catch {
      /* not a secure context */
    }
  }
  const bytes = new Uint8Array(16);
  if (c && typeof c.getRandomValues === "function") {
    c.getRandomValues(bytes);
  } else {
    for (let i = 0; i < 16; i += 1) bytes[i] = Math.floor(Math.random() * 256);
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * @typedef {Object} SessionState
 * @property {string} id
 * @property {number} startedAt   epoch ms
 * @property {number} lastActivityAt epoch ms
 */

/**
 * The session to stamp on an event at `now`: the stored one unless it has been idle for
 * `idleMs` or started more than `maxMs` ago, in which case a new one starts (pure).
 * @param {SessionState | null} stored
 * @param {number} now epoch ms
 * @param {number} idleMs default 30 minutes
 * @param {number} maxMs default 24 hours
 * @returns {{session: SessionState, isNew: boolean}}
 */
export function nextSession(stored, now, idleMs, maxMs) {
  const valid =
    stored &&
    typeof stored.id === "string" &&
    typeof stored.startedAt === "number" &&
    typeof stored.lastActivityAt === "number" &&
    now - stored.lastActivityAt < idleMs &&
    now - stored.startedAt < maxMs &&
    stored.lastActivityAt <= now + idleMs; // a clock jumped backwards far: start over
  if (valid && stored) {
    return { session: { ...stored, lastActivityAt: Math.max(now, stored.lastActivityAt) }, isNew: false };
  }
  return { session: { id: uuid4(), startedAt: now, lastActivityAt: now }, isNew: true };
}

/**
 * One page's slice of the persisted queue. Each page instance owns the key
 * `<prefix>.queue.<instanceId>` and refreshes `ack` as a heartbeat; a queue whose owner
 * released it (pagehide) or stopped beating is adopted by the next page that loads (the
 * design of Segment's localstorage-retry), so unsent events survive reloads and crashes.
 * Delivery is at-least-once: `eventId` is the deduplication key downstream.
 */
export class PersistedQueue {
  /**
   * @param {SafeStorage} storage
   * @param {string} prefix storage key prefix
   * @param {string} instanceId this page's id
   */
  constructor(storage, prefix, instanceId) {
    this.storage = storage;
    this.keyPrefix = `${prefix}.queue.`;
    this.key = `${this.keyPrefix}${instanceId}`;
  }

  /**
   * Write this page's events.
   * @param {object[]} events
   * @param {number} now epoch ms
   * @param {boolean} released true when the page is going away
   * @returns {boolean} false when localStorage refused (quota): the events stay in memory only
   */
  save(events, now, released) {
    if (events.length === 0 && !released) {
      this.storage.remove(this.key);
      return true;
    }
    return this.storage.setJSON(this.key, { v: 1, ack: now, released, events });
  }

  /**
   * Take over the events of every other page's queue that was released or is stale.
   * @param {number} now epoch ms
   * @param {number} staleAfterMs a queue whose heartbeat is older than this is orphaned
   * @returns {object[]} the adopted events, oldest queue first
   */
  adoptOrphans(now, staleAfterMs) {
    /** @type {{ack: number, events: object[]}[]} */
    const adopted = [];
    for (const key of this.storage.keysWithPrefix(this.keyPrefix)) {
      if (key === this.key) continue;
      const stored = this.storage.getJSON(key);
      const valid = stored && Array.isArray(stored.events) && typeof stored.ack === "number";
      if (!valid) {
        this.storage.remove(key);
        continue;
      }
      if (stored.released === true || now - stored.ack > staleAfterMs) {
        adopted.push({ ack: stored.ack, events: stored.events });
        this.storage.remove(key);
      }
    }
    adopted.sort((a, b) => a.ack - b.ack);
    return adopted.flatMap((q) => q.events);
  }
}
