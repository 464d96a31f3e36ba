"""The soak benchmark (`python -m benchmarks.bench_soak`): the whole bot for 30 simulated minutes
with 10,000 subscriptions across time zones, content changing every few minutes, against both
loopback stand-ins. One concern a module:

- `world`: the simulated world, seeded: the stepped clock, the subscriptions and their zones,
  the content changes and the curator who writes them;
- `oracle`: the deliveries expected, computed from the world alone, and the comparison of what
  arrived and what was queued against them;
- `probes`: the process's resident set, SQLite's heap and open file descriptors;
- `standins`: both stand-ins in a child process, and the settings pointing the bot at them;
- `run`: the orchestration (stepping the runtime through simulated time), the CLI and the report.

What is real: the SQLite store on a file, `Services`, the `Broadcaster`'s planning, the
`Library`'s hot reload of a copy of `digests/`, the `Scheduler`'s two jobs, the `Dispatcher`'s
own `run` loop (a task, as `serve` runs it), the pacer, and both adapters' senders from
`connected_sender` talking HTTP to the stand-ins (`tests/standins/`), which run in a child
process of their own so that their records (every message) neither grow this process's memory
nor share its event loop.

What is simulated: time. The runtime's `Clock` is a `SteppedClock` that stands still until the
benchmark moves it, one `schedule.watch_seconds` step (10 s) at a time. APScheduler's triggers
follow the real clock, so the scheduler is not started; instead, at each step, the benchmark
calls `Scheduler.run_due`, which runs the jobs due at that moment by their own triggers: the
content watch every `schedule.watch_seconds` (10 s), planning every `schedule.tick_seconds`
(30 s), planning first when both are due. Then it waits, in real time, until the dispatcher
has sent and settled everything ready at that simulated moment, and only then moves the clock
on. So simulated time never runs ahead of the sends: a delivery planned at 07:00 is claimed,
sent and settled "at 07:00", and how long that took in real time is reported per simulated
minute instead.

Why this keeps the runtime honest: the dispatcher reads the clock for what is ready
(`next_attempt_at <= now`), for settling and for retry times, all simulated; the pacer spaces
sends with `time.monotonic()`, the real clock, which is right, since rate limits are real
throughput. The one place the two meet is the dispatcher's idle sleep, computed from the clock
(a retry due in 5 simulated seconds) but slept in real seconds. Every clock step therefore sets
the runtime's wake event: once time has passed, a sleep until a retry would have ended.

Expected deliveries are computed independently, from each subscription's plan (local times in
its zone with `zoneinfo`, languages, instant or not, the edition it last had) and the content
changes the benchmark itself made, with the rules the README states (one digest per slot, none
when nothing is new since the chat's last digest, each new edition to instant chats at once).
The stand-ins' records give what arrived: each message is matched, by its text, to its language
and edition. Lost = expected but never received; duplicated = received more than once per chat,
language and edition (an edition reaches a chat once under `skip_unchanged`); unexpected =
received but not expected. The outbox's rows are compared with the same expectations. These
counts cover the warm-up minutes too: only memory and descriptors leave them out.

Memory is the resident set (`/proc/self/statm`) after a full collection, at the start of the
measured window (after the warm-up minutes: connections open, a reload done, the first bursts
sent) and at its end, with the runtime still open; beside it, SQLite's own heap
(`sqlite3_memory_used`, where the library is reachable), which is where most of the growth was
found. Open file descriptors are counted in /proc/self/fd at the same moments. All three are
also sampled once per simulated minute (`minutes_log` in the JSON). It reports and never fails:
the exit code is 0 whatever the figures.
"""
