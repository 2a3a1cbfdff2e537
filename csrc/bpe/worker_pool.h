// Running work on several threads without ever ending the process.
//
// run_on_threads starts fresh threads; run_on_workers uses a process-wide pool of worker
// threads that outlive the call that started them.
//
// Encoding keeps a piece memo per thread (Model::thread_cache), seeded with a copy of the
// vocabulary image. Threads made for one batch call and joined at its end take their memos with
// them, so every call started cold on every worker -- and copied the image again, 8 to 16 MiB.
// Pooled workers keep their memos from one call to the next.
//
// Workers are started on first use and as more are asked for, up to one per core, then wait for
// work. They are never joined: the pool is deliberately leaked, so that interpreter exit does
// not wait on them. After a fork (multiprocessing), the child has none of the parent's threads;
// the pool notices the new process id and starts afresh.
//
// `work` is run once on each thread and is expected to take its tasks from a shared counter, so
// that it finishes the whole job on however many threads actually run it: a thread the system
// refuses to start (a thread limit) is simply not there, and the calling thread always runs
// `work` itself. An exception from `work` is caught and rethrown to the caller once every thread
// has finished; it never ends a thread (which would end the process).
#pragma once
#include <cstddef>
#include <functional>

namespace ts::bpe {

// Runs `work` on the calling thread and on up to `extra` fresh threads, joined before return.
void run_on_threads(size_t extra, const std::function<void()>& work);

// The same on up to `extra` pooled workers; when another call is using the pool, on fresh
// threads instead.
void run_on_workers(size_t extra, const std::function<void()>& work);

}  // namespace ts::bpe
