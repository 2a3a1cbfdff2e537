// A process-wide pool of worker threads that outlive the call that started them.
//
// Encoding keeps a piece memo per thread (Model::thread_cache), seeded with a copy of the
// vocabulary image. Threads made for one batch call and joined at its end take their memos with
// them, so every call started cold on every worker -- and copied the image again, 8 to 16 MiB.
// Workers kept here keep their memos from one call to the next.
//
// Workers are started on first use and as more are asked for, then wait for work. They are never
// joined: the pool is deliberately leaked, so that interpreter exit does not wait on them. After
// a fork (multiprocessing), the child has none of the parent's threads; the pool notices the new
// process id and starts afresh.
#pragma once
#include <cstddef>
#include <functional>

namespace ts::bpe {

// Runs `work` on the calling thread and on `extra` pooled workers at once, and returns when all
// of them have returned. `work` must not throw. When another call is using the pool, fresh
// threads are made for this one instead.
void run_on_workers(size_t extra, const std::function<void()>& work);

}  // namespace ts::bpe
