// cadre-peer-caf: Cadre's standard workloads (docs/benchmarks.md) written as
// CAF 0.17 event-based actors, printing the same JSON Lines as cadre-bench
// (impl "caf").
//
// Build: g++ -O2 -std=c++17 caf_peer.cpp -o cadre-peer-caf -lcaf_core -pthread
//
// Every run creates a fresh actor_system with the default work-stealing
// scheduler and scheduler.max-threads = --workers (other settings are CAF's
// defaults). The clock starts just before the workload's first actor is
// spawned and stops when the actor that completes the workload has told the
// main thread (a scoped_actor); then every actor must finish
// (await_all_actors_done) and the result is checked. --warmups untimed runs
// (default 1; 0: the process's first run is timed), then --runs timed runs;
// secs is their median.
//
// Each workload does the work cadre-bench's does, message for message.
// Actors that send many messages (counting's producer, fanin's producers,
// fjthrput's and fanout's senders) send --slice of them (default 1000), then a "continue"
// message to themselves, as cadre-bench's do; --slice 0 sends all at once.
// Continues are not counted in msgs.

#include <caf/all.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

using namespace caf;

namespace {

using pp_ping_atom = atom_constant<atom("pp_ping")>;
using pp_pong_atom = atom_constant<atom("pp_pong")>;
using inc_atom = atom_constant<atom("inc")>;
using total_atom = atom_constant<atom("total")>;
using cont_atom = atom_constant<atom("cont")>;
using token_atom = atom_constant<atom("token")>;
using ring_exit_atom = atom_constant<atom("ring_exit")>;
using item_atom = atom_constant<atom("item")>;
using work_atom = atom_constant<atom("work")>;
using hash_atom = atom_constant<atom("hash")>;
using reply_atom = atom_constant<atom("reply")>;
using start_atom = atom_constant<atom("start")>;
using bping_atom = atom_constant<atom("bping")>;
using bpong_atom = atom_constant<atom("bpong")>;
using bdone_atom = atom_constant<atom("bdone")>;
using bstop_atom = atom_constant<atom("bstop")>;
using finished_atom = atom_constant<atom("finished")>;
using fo_item_atom = atom_constant<atom("fo_item")>;
using fo_done_atom = atom_constant<atom("fo_done")>;

constexpr uint64_t fnv_offset = 0xcbf29ce484222325ULL;
constexpr uint64_t fnv_prime = 0x100000001b3ULL;
constexpr uint64_t skynet_fanout = 10;

struct sizes {
  uint64_t pingpong_n = 1000000;
  uint64_t counting_n = 10000000;
  uint64_t threadring_r = 503;
  uint64_t threadring_t = 10000000;
  uint64_t fanin_p = 8;
  uint64_t fanin_n = 2000000;
  uint64_t fjthrput_a = 60;
  uint64_t fjthrput_n = 1000000;
  uint64_t fanout_r = 1000;
  uint64_t fanout_n = 10000000;
  uint64_t skynet_leaves = 1000000;
  uint64_t big_w = 1000;
  uint64_t big_m = 2000;
  uint64_t slice = 1000;
};

// The state of one run, shared by the actors the way cadre-bench's g_run is:
// main sets it up before the first spawn and reads it after the run.
struct run_state {
  sizes sz;
  actor main; // the scoped_actor waiting for the end of the workload
  std::atomic<bool> failed{false};
  std::mutex why_mu;
  std::string why;
  std::vector<uint64_t> next;    // fanin: next expected seq per producer (sink only)
  std::vector<actor> refs;       // big: the actors (written by the driver before the starts)
  uint64_t expect = 0;           // fjthrput: each worker's hash
  std::atomic<uint64_t> tally{0}; // big: pings answered
  std::atomic<uint64_t> shut{0};  // big: actors stopped by the driver
  bool big = false;               // check tally and shut after the run
};

run_state* g = nullptr;

// Tells the main thread that the workload is complete (or failed).
void run_done(local_actor*) {
  anon_send(g->main, finished_atom::value);
}

void run_fail(local_actor* self, const std::string& why) {
  if (!g->failed.exchange(true)) {
    std::lock_guard<std::mutex> guard{g->why_mu};
    g->why = why;
  }
  run_done(self);
}

std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* f, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, f);
  vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}

// ---- pingpong -------------------------------------------------------------

behavior pong_actor(event_based_actor* self) {
  return {
    [=](pp_ping_atom, uint64_t r) {
      self->send(actor_cast<actor>(self->current_sender()), pp_pong_atom::value, r);
      if (r == 1)
        self->quit(); // the last round
    },
  };
}

struct ping_state {
  actor pong;
  strong_actor_ptr pong_ptr;
  uint64_t left = 0;
};

behavior ping_actor(stateful_actor<ping_state>* self) {
  auto& s = self->state;
  s.left = g->sz.pingpong_n;
  s.pong = self->spawn(pong_actor);
  s.pong_ptr = actor_cast<strong_actor_ptr>(s.pong);
  self->send(s.pong, pp_ping_atom::value, s.left);
  return {
    [=](pp_pong_atom, uint64_t r) {
      auto& st = self->state;
      if (r != st.left || self->current_sender() != st.pong_ptr) {
        run_fail(self, fmt("ping: answer %" PRIu64 ", expected %" PRIu64, r, st.left));
        self->quit();
        return;
      }
      if (--st.left == 0) {
        run_done(self);
        self->quit();
        return;
      }
      self->send(st.pong, pp_ping_atom::value, st.left);
    },
  };
}

// ---- counting -------------------------------------------------------------

struct counter_state {
  uint64_t n = 0;
};

behavior counter_actor(stateful_actor<counter_state>* self) {
  return {
    [=](inc_atom) { ++self->state.n; },
    [=](total_atom) -> uint64_t {
      self->quit();
      return self->state.n;
    },
  };
}

struct producer_state {
  actor counter;
  uint64_t sent = 0, n = 0;
};

void producer_step(stateful_actor<producer_state>* self) {
  auto& s = self->state;
  uint64_t end = g->sz.slice == 0 ? s.n : std::min(s.n, s.sent + g->sz.slice);
  for (; s.sent < end; s.sent++)
    self->send(s.counter, inc_atom::value);
  if (s.sent < s.n) {
    self->send(self, cont_atom::value);
    return;
  }
  self->request(s.counter, infinite, total_atom::value).then([=](uint64_t total) {
    if (total != self->state.n)
      run_fail(self, fmt("counting: total %" PRIu64 ", expected %" PRIu64, total, self->state.n));
    else
      run_done(self);
    self->quit();
  });
}

behavior producer_actor(stateful_actor<producer_state>* self) {
  self->state.n = g->sz.counting_n;
  self->state.counter = self->spawn(counter_actor);
  producer_step(self);
  return {
    [=](cont_atom) { producer_step(self); },
  };
}

// ---- threadring -----------------------------------------------------------
// Node i spawns node i + 1; the last node closes the ring on node 0 and sends
// the token's first hop. The token carries the hops still to go after this
// one; the node that gets it at 0 checks it is the right node, then sends an
// exit wave around the ring.

struct ring_state {
  actor next;
  uint64_t index = 0;
};

behavior ring_node(stateful_actor<ring_state>* self, uint64_t index, actor first) {
  auto& s = self->state;
  s.index = index;
  if (index == 0)
    first = actor_cast<actor>(self);
  if (index + 1 < g->sz.threadring_r) {
    s.next = self->spawn(ring_node, index + 1, first);
  } else {
    s.next = first;
    self->send(s.next, token_atom::value, g->sz.threadring_t - 1);
  }
  return {
    [=](token_atom, uint64_t v) {
      auto& st = self->state;
      if (v > 0) {
        self->send(st.next, token_atom::value, v - 1);
        return;
      }
      uint64_t nodes = g->sz.threadring_r;
      uint64_t want = (g->sz.threadring_t - 1) % nodes;
      if (st.index != want)
        run_fail(self, fmt("threadring: token ended at node %" PRIu64 ", expected %" PRIu64,
                           st.index, want));
      else
        run_done(self);
      if (nodes > 1)
        self->send(st.next, ring_exit_atom::value, nodes - 1);
      st.next = actor{};
      self->quit();
    },
    [=](ring_exit_atom, uint64_t v) {
      if (v > 1)
        self->send(self->state.next, ring_exit_atom::value, v - 1);
      self->state.next = actor{}; // break the ring's reference cycle
      self->quit();
    },
  };
}

// ---- fanin ----------------------------------------------------------------
// The sink spawns the producers. Each item carries its producer and a
// sequence number; the sink checks per-producer FIFO order and the count.

struct fan_producer_state {
  actor sink;
  uint64_t seq = 0, n = 0;
  uint32_t id = 0;
};

void fan_producer_step(stateful_actor<fan_producer_state>* self) {
  auto& s = self->state;
  uint64_t end = g->sz.slice == 0 ? s.n : std::min(s.n, s.seq + g->sz.slice);
  for (; s.seq < end; s.seq++)
    self->send(s.sink, item_atom::value, s.id, s.seq);
  if (s.seq < s.n)
    self->send(self, cont_atom::value);
  else
    self->quit();
}

behavior fan_producer(stateful_actor<fan_producer_state>* self, actor sink, uint32_t id) {
  self->state.sink = std::move(sink);
  self->state.id = id;
  self->state.n = g->sz.fanin_n;
  fan_producer_step(self);
  return {
    [=](cont_atom) { fan_producer_step(self); },
  };
}

struct fan_sink_state {
  uint64_t count = 0, total = 0, producers = 0;
};

behavior fan_sink(stateful_actor<fan_sink_state>* self) {
  auto& s = self->state;
  s.producers = g->sz.fanin_p;
  s.total = s.producers * g->sz.fanin_n;
  for (uint64_t i = 0; i < s.producers; i++)
    self->spawn(fan_producer, actor_cast<actor>(self), static_cast<uint32_t>(i));
  return {
    [=](item_atom, uint32_t producer, uint64_t seq) {
      auto& st = self->state;
      auto& next = g->next;
      if (producer >= st.producers || seq != next[producer]) {
        run_fail(self, fmt("sink: producer %" PRIu32 " seq %" PRIu64 " out of order", producer,
                           seq));
        self->quit();
        return;
      }
      next[producer]++;
      if (++st.count < st.total)
        return;
      run_done(self);
      self->quit();
    },
  };
}

// ---- fjthrput -------------------------------------------------------------
// The sender spawns the A workers, then sends message k to worker k % A with
// sequence number k / A. A worker checks the order and folds each number into
// an FNV-1a hash; after N it sends the hash back and stops.

inline uint64_t fj_mix(uint64_t h, uint64_t v) {
  return (h ^ v) * fnv_prime;
}

struct fj_worker_state {
  uint64_t next = 0, n = 0, h = fnv_offset;
};

behavior fj_worker(stateful_actor<fj_worker_state>* self) {
  self->state.n = g->sz.fjthrput_n;
  return {
    [=](work_atom, uint64_t seq) {
      auto& s = self->state;
      if (seq != s.next)
        s.h = 0; // reported as a wrong hash
      s.h = fj_mix(s.h, seq);
      if (++s.next < s.n)
        return;
      self->send(actor_cast<actor>(self->current_sender()), hash_atom::value, s.h);
      self->quit();
    },
  };
}

struct fj_sender_state {
  std::vector<actor> workers;
  uint64_t k = 0, total = 0, seq = 0, target = 0, dones = 0;
};

void fj_sender_step(stateful_actor<fj_sender_state>* self) {
  auto& s = self->state;
  uint64_t end = g->sz.slice == 0 ? s.total : std::min(s.total, s.k + g->sz.slice);
  for (; s.k < end; s.k++) {
    self->send(s.workers[s.target], work_atom::value, s.seq);
    if (++s.target == s.workers.size()) {
      s.target = 0;
      s.seq++;
    }
  }
  if (s.k < s.total)
    self->send(self, cont_atom::value);
}

behavior fj_sender(stateful_actor<fj_sender_state>* self) {
  auto& s = self->state;
  uint64_t a = g->sz.fjthrput_a;
  s.total = a * g->sz.fjthrput_n;
  s.workers.reserve(a);
  for (uint64_t i = 0; i < a; i++)
    s.workers.push_back(self->spawn(fj_worker));
  fj_sender_step(self);
  return {
    [=](cont_atom) { fj_sender_step(self); },
    [=](hash_atom, uint64_t h) {
      auto& st = self->state;
      if (h != g->expect) {
        run_fail(self, fmt("fjthrput: a worker's hash is %016" PRIx64 ", expected %016" PRIx64, h,
                           g->expect));
        self->quit();
        return;
      }
      if (++st.dones < st.workers.size())
        return;
      st.workers.clear();
      run_done(self);
      self->quit();
    },
  };
}

// ---- fanout ---------------------------------------------------------------
// The sender spawns the R receivers, then sends message k to receiver k % R
// with the payload k / R (that receiver's count so far, which it checks).
// Receiver i's share is N / R, plus one for i < N % R; once it has its share
// it answers (i, count) and stops. The sender checks each answer and the sum.

inline uint64_t fo_share(uint64_t n, uint64_t r, uint64_t i) {
  return n / r + (i < n % r ? 1 : 0);
}

struct fo_receiver_state {
  uint64_t index = 0, count = 0, share = 0;
};

behavior fo_receiver(stateful_actor<fo_receiver_state>* self, uint64_t index) {
  auto& s = self->state;
  s.index = index;
  s.share = fo_share(g->sz.fanout_n, g->sz.fanout_r, index);
  return {
    [=](fo_item_atom, uint64_t seq) {
      auto& s = self->state;
      if (seq != s.count)
        s.count = UINT64_MAX - 1; // reported as a wrong count
      if (++s.count < s.share)
        return;
      self->send(actor_cast<actor>(self->current_sender()), fo_done_atom::value, s.index,
                 s.count);
      self->quit();
    },
  };
}

struct fo_sender_state {
  std::vector<actor> receivers;
  uint64_t k = 0, total = 0, seq = 0, target = 0, dones = 0, sum = 0;
};

void fo_sender_step(stateful_actor<fo_sender_state>* self) {
  auto& s = self->state;
  uint64_t end = g->sz.slice == 0 ? s.total : std::min(s.total, s.k + g->sz.slice);
  for (; s.k < end; s.k++) {
    self->send(s.receivers[s.target], fo_item_atom::value, s.seq);
    if (++s.target == s.receivers.size()) {
      s.target = 0;
      s.seq++;
    }
  }
  if (s.k < s.total)
    self->send(self, cont_atom::value);
}

behavior fo_sender(stateful_actor<fo_sender_state>* self) {
  auto& s = self->state;
  uint64_t r = g->sz.fanout_r;
  s.total = g->sz.fanout_n;
  s.receivers.reserve(r);
  for (uint64_t i = 0; i < r; i++)
    s.receivers.push_back(self->spawn(fo_receiver, i));
  fo_sender_step(self);
  return {
    [=](cont_atom) { fo_sender_step(self); },
    [=](fo_done_atom, uint64_t index, uint64_t count) {
      auto& st = self->state;
      uint64_t r = st.receivers.size();
      if (index >= r || count != fo_share(st.total, r, index)) {
        run_fail(self, fmt("fanout: receiver %" PRIu64 " got %" PRIu64 " messages", index, count));
        st.receivers.clear();
        self->quit();
        return;
      }
      st.sum += count;
      if (++st.dones < r)
        return;
      st.receivers.clear();
      if (st.sum != st.total)
        run_fail(self, fmt("fanout: the receivers got %" PRIu64 " messages, expected %" PRIu64,
                           st.sum, st.total));
      else
        run_done(self);
      self->quit();
    },
  };
}

// ---- skynet ---------------------------------------------------------------
// An inner node spawns its 10 children; a leaf replies its ordinal and stops
// at once; a parent sums its children's replies and replies up. The root
// checks the sum.

struct sky_state {
  actor parent; // invalid for the root
  uint64_t size = 0, sum = 0;
  uint32_t pending = 0;
};

behavior sky_leaf(event_based_actor* self, actor parent, uint64_t num) {
  self->send(parent, reply_atom::value, num);
  return {}; // an empty behavior: the actor is done
}

behavior sky_node(stateful_actor<sky_state>* self, actor parent, uint64_t num, uint64_t size) {
  auto& s = self->state;
  s.parent = std::move(parent);
  s.size = size;
  s.pending = skynet_fanout;
  uint64_t child = size / skynet_fanout;
  auto me = actor_cast<actor>(self);
  for (uint64_t i = 0; i < skynet_fanout; i++) {
    if (child == 1)
      self->spawn(sky_leaf, me, num + i);
    else
      self->spawn(sky_node, me, num + i * child, child);
  }
  return {
    [=](reply_atom, uint64_t v) {
      auto& st = self->state;
      st.sum += v;
      if (--st.pending > 0)
        return;
      if (st.parent) {
        self->send(st.parent, reply_atom::value, st.sum);
      } else {
        uint64_t l = st.size;
        if (st.sum != l * (l - 1) / 2)
          run_fail(self, fmt("skynet: sum %" PRIu64 ", expected %" PRIu64, st.sum,
                             l * (l - 1) / 2));
        else
          run_done(self);
      }
      self->quit();
    },
  };
}

// ---- big ------------------------------------------------------------------
// The driver spawns the W actors, then sends each a start. An actor sends a
// ping to a random other actor, which answers with a pong; on the pong the
// actor sends its next ping, M in all, then reports done to the driver. It
// keeps answering others' pings until the driver, once all are done (so
// every ping has been answered), stops them all.

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

struct big_state {
  actor driver;
  strong_actor_ptr target; // of the outstanding ping
  uint64_t rng = 0, answered = 0;
  uint32_t index = 0, w = 0, m = 0, sent = 0;
};

void big_ping(stateful_actor<big_state>* self) {
  auto& s = self->state;
  uint32_t j = s.index;
  if (s.w > 1) { // xorshift64*
    s.rng ^= s.rng >> 12;
    s.rng ^= s.rng << 25;
    s.rng ^= s.rng >> 27;
    j = static_cast<uint32_t>(((s.rng * 0x2545F4914F6CDD1DULL) >> 32) % (s.w - 1));
    if (j >= s.index)
      j++; // not ourselves
  }
  const actor& to = g->refs[j];
  s.target = actor_cast<strong_actor_ptr>(to);
  self->send(to, bping_atom::value, static_cast<uint64_t>(s.sent++));
}

behavior big_actor(stateful_actor<big_state>* self, uint32_t index) {
  auto& s = self->state;
  s.index = index;
  s.w = static_cast<uint32_t>(g->sz.big_w);
  s.m = static_cast<uint32_t>(g->sz.big_m);
  s.rng = splitmix64(index) | 1;
  return {
    [=](bping_atom, uint64_t v) {
      self->state.answered++;
      self->send(actor_cast<actor>(self->current_sender()), bpong_atom::value, v);
    },
    [=](bpong_atom, uint64_t v) {
      auto& st = self->state;
      if (st.sent == 0 || v != st.sent - 1u || self->current_sender() != st.target) {
        run_fail(self, fmt("big: actor %" PRIu32 ": pong %" PRIu64 ", expected %" PRIu32, st.index,
                           v, st.sent - 1u));
        return;
      }
      if (st.sent < st.m)
        big_ping(self);
      else
        self->send(st.driver, bdone_atom::value, static_cast<uint64_t>(st.sent));
    },
    [=](start_atom) {
      self->state.driver = actor_cast<actor>(self->current_sender());
      big_ping(self);
    },
    [=](bstop_atom) {
      g->tally += self->state.answered;
      g->shut++;
      self->state.driver = actor{};
      self->quit();
    },
  };
}

struct big_driver_state {
  uint64_t w = 0, dones = 0, pings = 0;
};

behavior big_driver(stateful_actor<big_driver_state>* self) {
  auto& s = self->state;
  s.w = g->sz.big_w;
  g->refs.clear();
  g->refs.reserve(s.w);
  for (uint64_t i = 0; i < s.w; i++)
    g->refs.push_back(self->spawn(big_actor, static_cast<uint32_t>(i)));
  for (auto& a : g->refs)
    self->send(a, start_atom::value);
  return {
    [=](bdone_atom, uint64_t v) {
      auto& st = self->state;
      st.pings += v;
      if (++st.dones < st.w)
        return;
      if (st.pings != st.w * g->sz.big_m)
        run_fail(self, fmt("big: %" PRIu64 " pings done, expected %" PRIu64, st.pings,
                           st.w * g->sz.big_m));
      else
        run_done(self);
      for (auto& a : g->refs)
        self->send(a, bstop_atom::value);
      self->quit();
    },
  };
}

// ---- the runner -----------------------------------------------------------

struct sample {
  double secs = 0;
  uint64_t msgs = 0, spawns = 0;
  bool ok = false;
};

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// One run of a workload in a fresh actor system: spawns the first actor with
// `spawn_first`, waits for the end, waits for every actor to finish.
template <class SpawnFirst>
bool one_run(const sizes& sz, unsigned workers, sample& s, SpawnFirst spawn_first) {
  actor_system_config cfg;
  cfg.set("scheduler.max-threads", static_cast<size_t>(workers));
  actor_system sys{cfg};
  if (sys.scheduler().num_workers() != workers)
    std::fprintf(stderr, "cadre-peer-caf: warning: %zu scheduler workers, not %u\n",
                 sys.scheduler().num_workers(), workers);
  run_state st;
  st.sz = sz;
  g = &st;
  bool ok;
  {
    scoped_actor self{sys};
    st.main = actor_cast<actor>(self);
    double t0 = now();
    spawn_first(sys, st);
    self->receive([](finished_atom) {});
    s.secs = now() - t0;
    st.main = actor{};
  }
  sys.await_all_actors_done();
  st.refs.clear();
  ok = !st.failed.load();
  if (!ok)
    std::fprintf(stderr, "FAILED: %s\n", st.why.c_str());
  // Checks made once every actor has finished.
  if (ok && !st.next.empty()) {
    for (size_t i = 0; i < st.next.size(); i++) {
      if (st.next[i] != sz.fanin_n) {
        std::fprintf(stderr, "FAILED: fanin: producer %zu: %" PRIu64 " received\n", i, st.next[i]);
        ok = false;
      }
    }
  }
  if (ok && st.big) {
    if (st.tally.load() != sz.big_w * sz.big_m || st.shut.load() != sz.big_w) {
      std::fprintf(stderr, "FAILED: big: %" PRIu64 " pings answered, %" PRIu64 " stopped\n",
                   st.tally.load(), st.shut.load());
      ok = false;
    }
  }
  g = nullptr;
  return ok;
}

bool wl_pingpong(const sizes& sz, unsigned workers, sample& s) {
  s.msgs = 2 * sz.pingpong_n;
  s.spawns = 2;
  return one_run(sz, workers, s, [](actor_system& sys, run_state&) { sys.spawn(ping_actor); });
}

bool wl_counting(const sizes& sz, unsigned workers, sample& s) {
  s.msgs = sz.counting_n + 2;
  s.spawns = 2;
  return one_run(sz, workers, s, [](actor_system& sys, run_state&) { sys.spawn(producer_actor); });
}

bool wl_threadring(const sizes& sz, unsigned workers, sample& s) {
  s.msgs = sz.threadring_t;
  s.spawns = sz.threadring_r;
  return one_run(sz, workers, s, [](actor_system& sys, run_state&) {
    sys.spawn(ring_node, uint64_t{0}, actor{});
  });
}

bool wl_fanin(const sizes& sz, unsigned workers, sample& s) {
  s.msgs = sz.fanin_p * sz.fanin_n;
  s.spawns = sz.fanin_p + 1;
  return one_run(sz, workers, s, [&](actor_system& sys, run_state& st) {
    st.next.assign(sz.fanin_p, 0);
    sys.spawn(fan_sink);
  });
}

bool wl_fjthrput(const sizes& sz, unsigned workers, sample& s) {
  uint64_t h = fnv_offset;
  for (uint64_t i = 0; i < sz.fjthrput_n; i++)
    h = fj_mix(h, i);
  s.msgs = sz.fjthrput_a * sz.fjthrput_n + sz.fjthrput_a;
  s.spawns = sz.fjthrput_a + 1;
  return one_run(sz, workers, s, [h](actor_system& sys, run_state& st) {
    st.expect = h;
    sys.spawn(fj_sender);
  });
}

bool wl_fanout(const sizes& sz, unsigned workers, sample& s) {
  s.msgs = sz.fanout_n + sz.fanout_r;
  s.spawns = sz.fanout_r + 1;
  return one_run(sz, workers, s, [](actor_system& sys, run_state&) { sys.spawn(fo_sender); });
}

bool wl_skynet(const sizes& sz, unsigned workers, sample& s) {
  uint64_t spawns = 0;
  for (uint64_t k = sz.skynet_leaves; k >= 1; k /= skynet_fanout)
    spawns += k;
  s.msgs = spawns - 1;
  s.spawns = spawns;
  return one_run(sz, workers, s, [&](actor_system& sys, run_state&) {
    sys.spawn(sky_node, actor{}, uint64_t{0}, sz.skynet_leaves);
  });
}

bool wl_big(const sizes& sz, unsigned workers, sample& s) {
  s.msgs = 2 * sz.big_w * sz.big_m + 2 * sz.big_w;
  s.spawns = sz.big_w + 1;
  return one_run(sz, workers, s, [](actor_system& sys, run_state& st) {
    st.big = true;
    sys.spawn(big_driver);
  });
}

struct workload {
  const char* name;
  bool (*fn)(const sizes&, unsigned, sample&);
};

const workload workloads[] = {
  {"pingpong", wl_pingpong}, {"counting", wl_counting}, {"threadring", wl_threadring},
  {"fanin", wl_fanin},       {"fjthrput", wl_fjthrput}, {"fanout", wl_fanout},
  {"skynet", wl_skynet},     {"big", wl_big},
};

struct size_opt {
  const char* name;
  uint64_t sizes::*field;
  uint64_t min;
  bool quick;
};

const size_opt size_opts[] = {
  {"--pingpong-n", &sizes::pingpong_n, 1, true},
  {"--counting-n", &sizes::counting_n, 1, true},
  {"--threadring-r", &sizes::threadring_r, 1, false},
  {"--threadring-t", &sizes::threadring_t, 1, true},
  {"--fanin-p", &sizes::fanin_p, 1, false},
  {"--fanin-n", &sizes::fanin_n, 1, true},
  {"--fjthrput-a", &sizes::fjthrput_a, 1, false},
  {"--fjthrput-n", &sizes::fjthrput_n, 1, true},
  {"--fanout-r", &sizes::fanout_r, 1, false},
  {"--fanout-n", &sizes::fanout_n, 1, true},
  {"--skynet-leaves", &sizes::skynet_leaves, 10, true},
  {"--big-w", &sizes::big_w, 1, false},
  {"--big-m", &sizes::big_m, 1, true},
  {"--slice", &sizes::slice, 0, false},
};

[[noreturn]] void usage(const char* bad) {
  std::fprintf(stderr, "cadre-peer-caf: bad argument: %s\n", bad);
  std::fprintf(stderr,
               "usage: cadre-peer-caf [--workers N] [--runs R] [--warmups W] [--quick] [--only NAMES] "
               "[size options as cadre-bench's] [--slice K]\n");
  std::exit(2);
}

uint64_t parse_u64(const char* s, uint64_t min, const char* opt) {
  char* end = nullptr;
  if (s == nullptr || *s < '0' || *s > '9')
    usage(opt);
  unsigned long long v = std::strtoull(s, &end, 10);
  if (*end != '\0' || v < min)
    usage(opt);
  return v;
}

} // namespace

int main(int argc, char** argv) {
  sizes sz;
  unsigned workers = 2;
  uint32_t runs = 5;
  uint32_t warmups = 1;
  bool quick = false;
  std::vector<std::string> only;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    std::string val;
    bool has_val = false;
    auto eq = a.find('=');
    if (eq != std::string::npos) {
      val = a.substr(eq + 1);
      a = a.substr(0, eq);
      has_val = true;
    }
    auto value = [&]() -> const char* {
      if (has_val)
        return val.c_str();
      if (i + 1 >= argc)
        usage(a.c_str());
      return argv[++i];
    };
    if (a == "--quick") {
      quick = true;
    } else if (a == "--workers") {
      workers = static_cast<unsigned>(parse_u64(value(), 1, "--workers"));
    } else if (a == "--runs") {
      runs = static_cast<uint32_t>(parse_u64(value(), 1, "--runs"));
    } else if (a == "--warmups") {
      warmups = static_cast<uint32_t>(parse_u64(value(), 0, "--warmups"));
    } else if (a == "--only") {
      std::string names = value();
      size_t p = 0;
      while (p <= names.size()) {
        size_t c = names.find(',', p);
        std::string n = names.substr(p, c == std::string::npos ? std::string::npos : c - p);
        bool known = false;
        for (auto& w : workloads)
          known = known || n == w.name;
        if (!known)
          usage(n.c_str());
        only.push_back(n);
        if (c == std::string::npos)
          break;
        p = c + 1;
      }
    } else {
      bool found = false;
      for (auto& o : size_opts) {
        if (a == o.name) {
          sz.*o.field = parse_u64(value(), o.min, o.name);
          found = true;
        }
      }
      if (!found)
        usage(a.c_str());
    }
  }
  if (quick)
    for (auto& o : size_opts)
      if (o.quick)
        sz.*o.field = std::max(o.min, sz.*o.field / 10);
  for (uint64_t l = sz.skynet_leaves; l != 1; l /= skynet_fanout)
    if (l % skynet_fanout != 0)
      usage("--skynet-leaves (must be a power of 10)");
  if (sz.fanout_r > 1000000 || sz.fanout_n < sz.fanout_r)
    usage("--fanout-r (must be 1..1000000 and at most --fanout-n)");

  bool all_ok = true;
  for (auto& w : workloads) {
    if (!only.empty() && std::find(only.begin(), only.end(), w.name) == only.end())
      continue;
    std::vector<double> secs;
    sample last;
    bool ok = true;
    for (uint32_t i = 0; i < warmups + runs && ok; i++) {
      bool warm_up = i < warmups;
      if (warm_up)
        std::fprintf(stderr, "%s (workers %u): warm-up %u/%u\n", w.name, workers, i + 1, warmups);
      else
        std::fprintf(stderr, "%s (workers %u): run %u/%u\n", w.name, workers, i - warmups + 1,
                     runs);
      sample s;
      ok = w.fn(sz, workers, s);
      last = s;
      if (!warm_up || !ok)
        secs.push_back(s.secs);
    }
    std::sort(secs.begin(), secs.end());
    size_t n = secs.size();
    double med = n % 2 ? secs[n / 2] : (secs[n / 2 - 1] + secs[n / 2]) / 2;
    double mps = ok && med > 0 ? static_cast<double>(last.msgs) / med : 0;
    double sps = ok && med > 0 ? static_cast<double>(last.spawns) / med : 0;
    std::printf("{\"bench\":\"%s\",\"impl\":\"caf\",\"workers\":%u,\"msgs\":%" PRIu64
                ",\"secs\":%.6f,\"mps\":%.1f,\"runs\":%zu,\"warmups\":%u,\"stat\":\"median\","
                "\"check\":\"%s\"",
                w.name, workers, last.msgs, med, mps, n, warmups, ok ? "ok" : "fail");
    if (std::strcmp(w.name, "skynet") == 0)
      std::printf(",\"spawns\":%" PRIu64 ",\"sps\":%.1f", last.spawns, sps);
    if (std::strcmp(w.name, "fanout") == 0)
      std::printf(",\"receivers\":%" PRIu64, sz.fanout_r);
    std::printf(",\"min_secs\":%.6f,\"max_secs\":%.6f}\n", secs.front(), secs.back());
    std::fflush(stdout);
    std::fprintf(stderr, "%-10s w%u %9.3f Mmsg/s  median %.4f s [%.4f .. %.4f]  %s\n", w.name,
                 workers, mps / 1e6, med, secs.front(), secs.back(), ok ? "ok" : "FAILED");
    all_ok = all_ok && ok;
  }
  return all_ok ? 0 : 1;
}
