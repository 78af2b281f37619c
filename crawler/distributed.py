"""Several `nianbao crawl` workers, on one machine or many, sharing one crawl (a "job") through Redis.

The frontier is scrapy-redis: its priority queue (`nianbao:{job}:requests`) and its fingerprint set
(`nianbao:{job}:dupefilter`), so a URL any worker found is fetched once by whichever worker pops it. Reports
go to one database (PostgreSQL), where they are stored once per document whoever stores them.

What scrapy-redis does not do, this module adds:

- Leases. scrapy-redis pops a request and forgets it: a killed worker would lose every request it had popped.
  Here a pop moves the request into `inflight:{worker}` in the same Lua call, and the lease is dropped only
  when the request is done: downloaded, its callback run, its items through the pipelines and the requests it
  found in the queue. Each worker refreshes `alive:{worker}` (TTL `ALIVE_TTL`) every `TICK` seconds; a worker
  that finds the leases of a worker whose key expired moves them back to the queue, in one Lua call (so two
  survivors cannot both take them).
- The end of a job. A worker with nothing to do stays up while the queue holds requests or any worker holds a
  lease (its requests may find more). The last worker to finish records the job's per-site results (merged
  from what every worker saw, published as it went) and deletes the job's keys; the others record none. A
  worker that starts when no worker of the job is alive and nothing is queued or leased starts the job afresh
  (a job that was completed is crawled again); if requests are left (every worker was killed), it resumes.
- Atomic enqueue: the fingerprint is added and the request queued in one Lua call, so a kill between the two
  cannot mark a request seen that was never queued.

- Removals. Once the whole job is idle, a worker asks again for the known report pages that no worker's list
  showed (the lists each worker saw are published with its leases), as a single crawl does.
- One pace per host for the whole job. Each worker keeps its own per-host delay (and AutoThrottle), and on top
  of it every request, at the moment it is sent, takes the host's turn in Redis (`pace:{host}`, `SET NX PX`
  for `--delay`): N workers ask a host no more often than one would.

Limits: one Redis server (not Cluster: the scripts touch keys they derive); documents are written under each
machine's document directory (`NIANBAO_BLOBS`), the database rows are shared.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import secrets
import socket
from typing import Any

import redis
import redis.asyncio
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.httpobj import urlparse_cached
from scrapy_redis.scheduler import Scheduler as RedisScheduler
from twisted.internet import task

from crawler.config import Config
from crawler.gate import GuardedDownloadHandler
from storage.kinds import SiteResult, SiteStatus, site_stat

log = logging.getLogger(__name__)
SHARED_COUNTERS = (*SiteResult.COUNTED, "candidates_parsed")  # per-site counters summed over the job's workers

ALIVE_TTL = 10  # seconds a worker counts as alive after its last heartbeat
TICK = 1.0  # heartbeat, lease release and site-state publishing period
JOB_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")

# KEYS: queue, inflight. ARGV: token. The queue's head, leased under "token|score" (the score puts it back).
_POP = """
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return false end
redis.call('ZREM', KEYS[1], top[1])
local field = ARGV[1] .. '|' .. top[2]
redis.call('HSET', KEYS[2], field, top[1])
return {top[1], field}
"""
# KEYS: dupefilter, queue. ARGV: fingerprint ('' = do not filter), score, request.
_ENQUEUE = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""
# KEYS: alive, inflight, queue, workers. ARGV: worker. A dead worker's leases back to the queue; -1 if alive.
_RECOVER = """
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
local leases = redis.call('HGETALL', KEYS[2])
for i = 1, #leases, 2 do
  redis.call('ZADD', KEYS[3], string.match(leases[i], '^[^|]*|(.*)$'), leases[i + 1])
end
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[4], ARGV[1])
return #leases / 2
"""
# KEYS: queue, workers. ARGV: inflight key prefix. 1 while anything is queued or leased, in one snapshot.
_PENDING = """
if redis.call('ZCARD', KEYS[1]) > 0 then return 1 end
for _, w in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('HLEN', ARGV[1] .. w) > 0 then return 1 end
end
return 0
"""


class Unreachable(Exception):
    """Redis cannot be reached (or the job name is unusable): one line for the user."""


def settings(url: str, job: str) -> dict[str, Any]:
    """Scrapy settings for a worker of `job`; raises Unreachable when Redis does not answer."""
    if not JOB_NAME.fullmatch(job):
        raise Unreachable(f"job name must be 1-64 of A-Z a-z 0-9 _ . - : {job!r}")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5).ping()
    except (redis.RedisError, ValueError) as exc:
        raise Unreachable(f"Redis at {url} is not reachable: {exc}") from None
    prefix = f"nianbao:{job}:"
    return {
        "SCHEDULER": "crawler.distributed.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_QUEUE_KEY": prefix + "requests",
        "SCHEDULER_DUPEFILTER_KEY": prefix + "dupefilter",
        "REDIS_URL": url,
        "NIANBAO_JOB": job,
        "DOWNLOAD_HANDLERS": {"http": "crawler.distributed.PacedDownloadHandler",
                              "https": "crawler.distributed.PacedDownloadHandler"},
        # a request a worker has taken waits in its own download slots; a small window leaves the rest of the
        # frontier in Redis for the other workers instead of one worker hoarding it
        "CONCURRENT_REQUESTS": 16,
    }


class Scheduler(RedisScheduler):
    """scrapy-redis's scheduler with leases, heartbeats, recovery and the end of a job (see the module)."""

    crawler: Any
    job: str
    prefix: str  # nianbao:{job}:
    worker: str  # host:pid:random, unique per process
    leases: dict[Any, bytes]  # request handed to the engine → its lease field in inflight:{worker}
    published: dict[str, dict[str, Any]]  # site → what this worker has published of it
    token: int  # the last lease's number
    rechecked: bool  # known report pages no list showed have been asked for again
    loop: task.LoopingCall

    @classmethod
    def from_crawler(cls, crawler: Any) -> Scheduler:
        s = super().from_crawler(crawler)
        s.crawler = crawler
        s.job = _job(crawler)
        s.prefix = f"nianbao:{s.job}:"
        s.worker = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        s.leases, s.published = {}, {}
        s.rechecked = False
        s.token = 0
        s.loop = task.LoopingCall(s.tick)
        s.pop_script = s.server.register_script(_POP)
        s.enqueue_script = s.server.register_script(_ENQUEUE)
        s.recover_script = s.server.register_script(_RECOVER)
        s.pending_script = s.server.register_script(_PENDING)
        crawler.signals.connect(s.idle, signal=signals.spider_idle)
        return s

    def key(self, name: str, worker: str | None = None) -> str:
        return self.prefix + name + (f":{worker}" if worker else "")

    def lock(self) -> Any:
        return self.server.lock(self.key("lock"), timeout=30, blocking_timeout=60)

    # -- job start and end --------------------------------------------------------------------------
    def open(self, spider: Any) -> None:
        # a request is done when the engine no longer holds it (downloading, or scraping: callback, items
        # through the pipelines, found requests queued). Private in Scrapy 2.19: fail loudly if that changes.
        if not isinstance(getattr(getattr(self.crawler.engine, "_slot", None), "inprogress", None), set):
            raise RuntimeError("this Scrapy version's engine has no _slot.inprogress: leases cannot be released")
        super().open(spider)
        with self.lock():
            alive = [w for w in self.workers() if self.server.exists(self.key("alive", w))]
            if not alive and not self.pending():
                self.delete_job_keys()
                log.info("job %s: new (worker %s)", self.job, self.worker)
            else:
                log.info("job %s: joined (%d queued, %d workers alive)", self.job, len(self.queue), len(alive))
            self.heartbeat(self.server)
        self.loop.start(TICK, now=False)

    def close(self, reason: str) -> None:
        if self.loop.running:
            self.loop.stop()
        self.tick(nudge=False)
        spider = self.spider
        with self.lock():
            self.server.delete(self.key("alive", self.worker))
            if not self.server.hlen(self.key("inflight", self.worker)):
                self.server.srem(self.key("workers"), self.worker)
            others = [w for w in self.workers() if self.server.exists(self.key("alive", w))]
            last = not others and not self.pending()
            if last:
                self.settle(spider)
                self.delete_job_keys()
        if not last:
            # the job's last worker records every site's result, merged; a part of a site is no result
            spider.sites = {}
        log.info("job %s: worker %s done (%s)%s", self.job, self.worker, reason, ", the job's last" if last else "")

    def idle(self, spider: Any) -> None:
        """Nothing to do here, but the job goes on while anything is queued or leased anywhere."""
        try:
            self.tick(nudge=False)
            busy = self.pending()
        except redis.RedisError as exc:
            log.warning("job %s: Redis: %s", self.job, exc)
            busy = True
        if busy:
            raise DontCloseSpider
        if not self.rechecked:
            # the whole job is idle (every worker's listings are published with its leases): once, known report
            # pages that no worker's list showed are asked for again, to tell a removed report
            self.rechecked = True
            listed = {name: {u.decode() for u in self.server.smembers(f"{self.key('site', name)}:reports")}
                      for name in spider.sites}
            if spider.recheck_unlisted(listed):
                raise DontCloseSpider

    # -- the queue, with leases ---------------------------------------------------------------------
    def enqueue_request(self, request: Any) -> bool:
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        data = self.queue._encode_request(request)
        if not self.enqueue_script(keys=[self.df.key, self.queue.key], args=[fingerprint, -request.priority, data]):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Any:
        self.token += 1
        popped = self.pop_script(keys=[self.queue.key, self.key("inflight", self.worker)], args=[self.token])
        if not popped:
            return None
        data, field = popped
        request = self.queue._decode_request(data)
        self.leases[request] = field
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def pending(self) -> bool:
        return bool(self.pending_script(keys=[self.queue.key, self.key("workers")], args=[self.key("inflight") + ":"]))

    def workers(self) -> list[str]:
        return [w.decode() for w in self.server.smembers(self.key("workers"))]

    # -- every TICK seconds -------------------------------------------------------------------------
    def tick(self, nudge: bool = True) -> None:
        """Heartbeat; publish site state, then drop the leases of done requests (one transaction: whatever a
        done request found is published before its lease goes); take over dead workers' leases."""
        try:
            engine = self.crawler.engine
            held = set(engine._slot.inprogress) if engine._slot else set()
            if engine.scraper.slot:
                held |= engine.scraper.slot.active
            done = [r for r in self.leases if r not in held]
            pipe = self.server.pipeline(transaction=True)
            self.publish(pipe)
            if done:
                pipe.hdel(self.key("inflight", self.worker), *(self.leases[r] for r in done))
            self.heartbeat(pipe)
            pipe.execute()
            for r in done:
                del self.leases[r]
            for w in self.workers():
                if w != self.worker:
                    keys = [self.key("alive", w), self.key("inflight", w), self.queue.key, self.key("workers")]
                    n = self.recover_script(keys=keys, args=[w])
                    if n > 0:
                        log.warning("job %s: recovered %d requests of worker %s (no heartbeat for %d s)",
                                    self.job, n, w, ALIVE_TTL)
            if nudge and engine._slot and len(self.queue):
                engine._slot.nextcall.schedule()  # requests other workers queued: don't wait for the engine's 5 s
        except redis.RedisError as exc:  # a LoopingCall stops at its first exception: log and go on
            log.warning("job %s: Redis: %s", self.job, exc)

    def heartbeat(self, pipe: Any) -> None:
        pipe.set(self.key("alive", self.worker), 1, ex=ALIVE_TTL)
        pipe.sadd(self.key("workers"), self.worker)  # again: a worker thought dead and taken over comes back

    # -- per-site state, shared -----------------------------------------------------------------------
    def publish(self, pipe: Any) -> None:
        """What this worker learnt of each site since the last tick, added to the job's record of the site."""
        stats = self.crawler.stats
        for name, state in getattr(self.spider, "sites", {}).items():
            pub = self.published.setdefault(name, {"pages": 0, "reports": set(), "columns": set(), "root_ok": False,
                                                   "status": None, "error": False, "counters": {}})
            key = self.key("site", name)
            if state.walk.pages != pub["pages"]:
                pipe.hincrby(key, "pages", state.walk.pages - pub["pages"])
                pub["pages"] = state.walk.pages
            for field, found in (("reports", state.walk.reports.keys()), ("columns", state.walk.columns)):
                new = set(found) - pub[field]
                if new:
                    pipe.sadd(f"{key}:{field}", *new)
                    pub[field] |= new
            if state.walk.root_ok and not pub["root_ok"]:
                pipe.hset(key, "root_ok", 1)
                pub["root_ok"] = True
            if state.status and (state.status, state.reason) != pub["status"]:
                # a worker that never saw the homepage may take a WAF answer deeper in for a block
                pipe.hset(key, mapping={"status": state.status, "reason": state.reason,
                                        "status_root_ok": int(state.walk.root_ok)})
                pub["status"] = (state.status, state.reason)
            if state.walk.errors and not pub["error"]:
                pipe.hsetnx(key, "error", state.walk.errors[0])
                pub["error"] = True
            for counter in SHARED_COUNTERS:
                value = int(stats.get_value(site_stat(name, counter), 0))
                if value != pub["counters"].get(counter, 0):
                    pipe.hincrby(key, counter, value - pub["counters"].get(counter, 0))
                    pub["counters"][counter] = value
            self.publish_lists(pipe, key, state, pub)

    def publish_lists(self, pipe: Any, key: str, state: Any, pub: dict[str, Any]) -> None:
        """Each list's size as announced and the pages this worker read of it, and each page's rows: the job's
        last worker tells from all of them whether a list was read to its end."""
        rows = pub.setdefault("rows", set())
        for page in set(state.walk.rows) - rows:
            pipe.hset(f"{key}:rows", page, json.dumps(sorted(state.walk.rows[page])))
            rows.add(page)
        tallies = pub.setdefault("tallies", {})
        for root, tally in state.walk.lists.items():
            shown = json.dumps({"pages": sorted(tally.pages), "announced": tally.announced,
                                "page_count": tally.page_count})
            if tallies.get(root) != shown:
                pipe.hset(f"{key}:lists:{self.worker}", root, shown)
                tallies[root] = shown

    def settle_lists(self, key: str, state: Any) -> None:
        for page, urls in self.server.hgetall(f"{key}:rows").items():
            state.walk.rows.setdefault(page.decode(), set()).update(json.loads(urls))
        for worker_key in self.server.scan_iter(match=f"{key}:lists:*"):
            for root, shown in self.server.hgetall(worker_key).items():
                data, tally = json.loads(shown), state.walk.tally(root.decode())
                tally.pages.update(data["pages"])
                for name in ("announced", "page_count"):
                    if data[name] is not None and data[name] > (getattr(tally, name) or 0):
                        setattr(tally, name, data[name])

    def settle(self, spider: Any) -> None:
        """The job's record of each site into this (last) worker's state and stats, for its closing status."""
        for name, state in spider.sites.items():
            key = self.key("site", name)
            rec = {k.decode(): v.decode() for k, v in self.server.hgetall(key).items()}
            state.walk.pages = int(rec.get("pages", 0))
            state.walk.reports = {u.decode(): {} for u in self.server.smembers(f"{key}:reports")} | state.walk.reports
            state.walk.columns |= {u.decode() for u in self.server.smembers(f"{key}:columns")}
            state.walk.root_ok = rec.get("root_ok") == "1"
            if rec.get("status") and (not state.walk.root_ok or rec.get("status_root_ok") == "1"):
                state.end(SiteStatus(rec["status"]), rec.get("reason", ""))
            else:
                state.status, state.reason = None, ""
            state.walk.errors = [rec["error"]] if "error" in rec else []
            for counter in SHARED_COUNTERS:
                self.crawler.stats.set_value(site_stat(name, counter), int(rec.get(counter, 0)))
            self.settle_lists(key, state)

    def delete_job_keys(self) -> None:
        """Every key of the job but the lock (held by the caller)."""
        keys = [k for k in self.server.scan_iter(match=self.prefix + "*", count=1000) if k != self.key("lock").encode()]
        for i in range(0, len(keys), 500):
            self.server.delete(*keys[i:i + 500])


class PacedDownloadHandler(GuardedDownloadHandler):
    """The guarded scrapy-playwright handler (plain HTTP unless a request asks for the browser) that first waits for the
    host's turn shared by every worker of the job: at most one request per host per DOWNLOAD_DELAY. Waiting
    here, when the request is sent, and not in a middleware, keeps the pace exact whatever each worker's
    own slots and AutoThrottle add before."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        config = Config.from_crawler(crawler)
        self.interval_ms = int(config.download_delay * 1000)
        self.prefix = f"nianbao:{_job(crawler)}:pace:"
        self.redis = redis.asyncio.Redis.from_url(config.redis_url)
        self.waited = 0.0

    async def download_request(self, request: Any) -> Any:  # scrapy ≥ 2.13's async handler API
        if self.interval_ms > 0:
            key = self.prefix + (request.meta.get("download_slot") or urlparse_cached(request).netloc)
            while not await self.redis.set(key, 1, px=self.interval_ms, nx=True):
                wait = max(await self.redis.pttl(key), 5) / 1000
                self.waited += wait
                await asyncio.sleep(wait)
        return await super().download_request(request)

    async def _close(self) -> None:
        self._crawler.stats.set_value("nianbao/shared_pace_wait_s", round(self.waited, 1))
        await self.redis.aclose()
        await super()._close()


def _job(crawler: Any) -> str:
    """The job's name, which prefixes every key it keeps in Redis."""
    return Config.from_crawler(crawler).job or "nianbao"
