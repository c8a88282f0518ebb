// A growable FIFO ring (power-of-two capacity): no allocation per push once warm, unlike
// std::deque which allocates a chunk every few hundred elements.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>

namespace glide {

template <typename T>
class Ring {
 public:
  bool empty() const { return head_ == tail_; }
  size_t size() const { return tail_ - head_; }
  T &front() { return buf_[head_ & mask_]; }
  T &at(size_t i) { return buf_[(head_ + i) & mask_]; }
  void pop_front() { ++head_; }
  void push_back(const T &v) {
    if (size() == cap_) grow();
    buf_[tail_++ & mask_] = v;
  }
  // Puts v before the current front (an entry the owner learns of late, for the reply next read).
  void push_front(const T &v) {
    if (size() == cap_) grow();
    buf_[--head_ & mask_] = v;
  }
  void clear() { head_ = tail_ = 0; }
  void reserve(size_t n) {
    if (n > cap_) grow(n);
  }

 private:
  void grow(size_t at_least = 0) {
    size_t cap = cap_ ? cap_ * 2 : 64;
    while (cap < at_least) cap *= 2;
    std::unique_ptr<T[]> nb(new T[cap]);
    for (size_t i = 0; i < size(); ++i) nb[i] = std::move(buf_[(head_ + i) & mask_]);
    tail_ = size();
    head_ = 0;
    buf_ = std::move(nb);
    cap_ = cap;
    mask_ = cap - 1;
  }
  std::unique_ptr<T[]> buf_;
  size_t cap_ = 0, mask_ = 0, head_ = 0, tail_ = 0;
};

}  // namespace glide
