// Fresh threads and the process-wide worker pool; see worker_pool.h.
#include "bpe/worker_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include <unistd.h>

namespace ts::bpe {
namespace {

// Runs `work`, keeping the first exception any thread raises.
struct Guarded {
  const std::function<void()>& work;
  std::mutex lock;
  std::exception_ptr error;
  void operator()() {
    try {
      work();
    } catch (...) {
      std::lock_guard<std::mutex> guard(lock);
      if (!error) error = std::current_exception();
    }
  }
};

struct Pool {
  pid_t owner = getpid();
  std::mutex busy;  // held by the one call using the pool
  std::mutex m;
  std::condition_variable start, done;
  size_t workers = 0;
  std::function<void()> job;
  size_t generation = 0, wanted = 0, taken = 0, finished = 0;

  void serve() {
    size_t seen = 0;
    std::unique_lock<std::mutex> lock(m);
    for (;;) {
      start.wait(lock, [&] { return generation != seen && taken < wanted; });
      seen = generation;
      ++taken;
      lock.unlock();
      job();  // a Guarded call: does not throw
      lock.lock();
      if (++finished == wanted) done.notify_one();
    }
  }
};

// Swapped without a lock, so that a fork in the middle of another thread's call cannot leave
// the child waiting on a mutex nobody will release.
std::atomic<Pool*> current{nullptr};

Pool* pool() {
  Pool* p = current.load();
  if (p && p->owner == getpid()) return p;
  Pool* fresh = new Pool();  // leaked; see the header
  if (current.compare_exchange_strong(p, fresh)) return fresh;
  delete fresh;  // another thread installed one first
  return current.load();
}

}  // namespace

void run_on_threads(size_t extra, const std::function<void()>& work) {
  Guarded guarded{work, {}, {}};
  std::vector<std::thread> threads;
  for (size_t t = 0; t < extra; ++t) {
    try {
      threads.emplace_back(std::ref(guarded));
    } catch (...) {
      break;  // no more threads to be had: the ones started and this one do the work
    }
  }
  guarded();
  for (auto& t : threads) t.join();
  if (guarded.error) std::rethrow_exception(guarded.error);
}

void run_on_workers(size_t extra, const std::function<void()>& work) {
  extra = std::min<size_t>(extra, std::max(1u, std::thread::hardware_concurrency()));
  if (extra == 0) {
    work();
    return;
  }
  Pool* p = pool();
  std::unique_lock<std::mutex> busy(p->busy, std::try_to_lock);
  if (!busy.owns_lock()) {
    run_on_threads(extra, work);
    return;
  }
  Guarded guarded{work, {}, {}};
  {
    std::lock_guard<std::mutex> lock(p->m);
    while (p->workers < extra) {
      try {
        std::thread(&Pool::serve, p).detach();
      } catch (...) {
        break;  // use the workers there are
      }
      ++p->workers;
    }
    p->job = std::ref(guarded);
    p->wanted = std::min(extra, p->workers);
    p->taken = p->finished = 0;
    ++p->generation;
  }
  p->start.notify_all();
  guarded();
  {
    std::unique_lock<std::mutex> lock(p->m);
    p->done.wait(lock, [&] { return p->finished == p->wanted; });
    p->wanted = 0;
    p->job = nullptr;
  }
  if (guarded.error) std::rethrow_exception(guarded.error);
}

}  // namespace ts::bpe
