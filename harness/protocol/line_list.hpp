// Internal to the framers: a list of text lines kept in one buffer. A POP3 RETR body has one
// line per ~78 bytes; one heap string per line cost half the framer's time (bench/framer_bench).
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mailspec::protocol {

class line_list {
 public:
  class iterator {
   public:
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    iterator(const line_list* list, std::size_t i) : list_(list), i_(i) {}
    std::string_view operator*() const { return (*list_)[i_]; }
    iterator& operator++() { ++i_; return *this; }
    iterator operator++(int) { iterator old = *this; ++i_; return old; }
    bool operator==(const iterator& o) const { return i_ == o.i_; }

   private:
    const line_list* list_ = nullptr;
    std::size_t i_ = 0;
  };

  std::size_t size() const { return ends_.size(); }
  bool empty() const { return ends_.empty(); }
  std::string_view operator[](std::size_t i) const {
    const std::size_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(text_).substr(begin, ends_[i] - begin);
  }
  std::string_view at(std::size_t i) const {
    if (i >= size()) throw std::out_of_range("line_list::at");
    return (*this)[i];
  }
  std::string_view front() const { return (*this)[0]; }
  std::string_view back() const { return (*this)[size() - 1]; }
  iterator begin() const { return {this, 0}; }
  iterator end() const { return {this, size()}; }
  void push_back(std::string_view line) {
    text_.append(line);
    ends_.push_back(text_.size());
  }
  void clear() {
    text_.clear();
    ends_.clear();
  }
  std::vector<std::string> to_vector() const { return {begin(), end()}; }
  friend bool operator==(const line_list& a, const std::vector<std::string>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < b.size(); ++i)
      if (a[i] != b[i]) return false;
    return true;
  }

 private:
  std::string text_;               // the lines, back to back, without line endings
  std::vector<std::size_t> ends_;  // end offset of each line in text_
};

}  // namespace mailspec::protocol
