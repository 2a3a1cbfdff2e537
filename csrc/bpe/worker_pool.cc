// The process-wide worker pool; see worker_pool.h.
#include "bpe/worker_pool.h"

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include <unistd.h>

namespace ts::bpe {
namespace {

struct Pool {
  pid_t owner = getpid();
  std::mutex busy;  // held by the one call using the pool
  std::mutex m;
  std::condition_variable start, done;
  size_t workers = 0;
  const std::function<void()>* job = nullptr;
  size_t generation = 0, wanted = 0, taken = 0, finished = 0;

  void serve() {
    size_t seen = 0;
    std::unique_lock<std::mutex> lock(m);
    for (;;) {
      start.wait(lock, [&] { return generation != seen && taken < wanted; });
      seen = generation;
      ++taken;
      const std::function<void()>* work = job;
      lock.unlock();
      (*work)();
      lock.lock();
      if (++finished == wanted) done.notify_one();
    }
  }
};

Pool* current = nullptr;
std::mutex current_lock;

Pool* pool() {
  std::lock_guard<std::mutex> guard(current_lock);
  if (!current || current->owner != getpid()) current = new Pool();  // leaked; see the header
  return current;
}

void run_on_fresh_threads(size_t extra, const std::function<void()>& work) {
  std::vector<std::thread> threads;
  for (size_t t = 0; t < extra; ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
}

}  // namespace

void run_on_workers(size_t extra, const std::function<void()>& work) {
  if (extra == 0) {
    work();
    return;
  }
  Pool* p = pool();
  std::unique_lock<std::mutex> busy(p->busy, std::try_to_lock);
  if (!busy.owns_lock()) {
    run_on_fresh_threads(extra, work);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(p->m);
    while (p->workers < extra) {
      std::thread(&Pool::serve, p).detach();
      ++p->workers;
    }
    p->job = &work;
    p->wanted = extra;
    p->taken = p->finished = 0;
    ++p->generation;
  }
  p->start.notify_all();
  work();
  std::unique_lock<std::mutex> lock(p->m);
  p->done.wait(lock, [&] { return p->finished == p->wanted; });
  p->wanted = 0;
}

}  // namespace ts::bpe
