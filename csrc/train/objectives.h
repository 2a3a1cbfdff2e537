// Objectives: which count column the merge loop maximises next (see bpe_trainer.h).
//
// Frequency is classic BPE. ParityAware is Foroutan et al. (2025), "Parity-aware byte-pair
// encoding": merge the most frequent pair of the language that is currently worst off --
// the longest parallel dev set in tokens, or, with target ratios, the lowest training
// compression relative to its target -- optionally after `global_merges` classic merges
// (the hybrid variant) and with a moving window that masks a language chosen more than
// alpha/L of the last `window` steps.
#pragma once
#include <deque>
#include <vector>

#include "train/bpe_trainer.h"

namespace ts::train {

class Frequency : public Objective {
 public:
  int column(const LoopView&) override { return -1; }
};

class ParityAware : public Objective {
 public:
  ParityAware(size_t global_merges, std::vector<double> ratios, size_t window, double alpha)
      : global_merges_(global_merges), ratios_(std::move(ratios)), window_(window), alpha_(alpha) {}

  int column(const LoopView& v) override {
    if (v.step < global_merges_ || v.languages < 2) return -1;
    size_t L = v.languages;
    std::vector<uint8_t> masked(v.exhausted);
    if (window_ > 0 && recent_.size() >= window_) {
      std::vector<size_t> seen(L, 0);
      for (int l : recent_) if (l >= 0) ++seen[l];
      std::vector<uint8_t> m2(masked);
      bool any = false;
      for (size_t l = 0; l < L; ++l) {
        if (static_cast<double>(seen[l]) > alpha_ / static_cast<double>(L) * window_) m2[l] = 1;
        any = any || !m2[l];
      }
      if (any) masked = m2;  // never mask every language
    }
    int best = -1;
    double best_score = 0;
    for (size_t l = 0; l < L; ++l) {
      if (masked[l]) continue;
      double score;
      if (!ratios_.empty()) {
        // Lower compression relative to the target = worse off; maximise the negation.
        double compression = v.train_len[l] > 0 ? static_cast<double>(v.init_train_len[l]) / v.train_len[l] : 0;
        score = -(compression / ratios_[l]);
      } else {
        score = static_cast<double>(v.dev_len.empty() ? v.train_len[l] : v.dev_len[l]);
      }
      if (best < 0 || score > best_score) { best = static_cast<int>(l); best_score = score; }
    }
    return best;
  }

  void chosen(int column) override {
    if (window_ == 0) return;
    recent_.push_back(column);
    if (recent_.size() > window_) recent_.pop_front();
  }

 private:
  size_t global_merges_;
  std::vector<double> ratios_;
  size_t window_;
  double alpha_;
  std::deque<int> recent_;
};

}  // namespace ts::train
