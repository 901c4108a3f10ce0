#include "protocol/line_reader.hpp"

#include <cstring>

#include "core/text.hpp"

namespace mailspec::protocol::detail {

namespace {

constexpr std::size_t tail_keep = 32;

// One pass over the content: counts bare CRs and NULs, notes whether any byte is 8-bit.
// Eight bytes at a time; a word with none of CR, NUL or a high bit is skipped whole.
struct scan_result {
  std::size_t cr = 0, nul = 0, first_cr = 0, first_nul = 0;
  bool high = false;
};

constexpr std::uint64_t ones = 0x0101010101010101ULL;
constexpr std::uint64_t highs = 0x8080808080808080ULL;

bool has_zero_byte(std::uint64_t v) { return ((v - ones) & ~v & highs) != 0; }

void scan_byte(unsigned char c, std::size_t i, scan_result& r) {
  if (c == '\r') {
    if (r.cr++ == 0) r.first_cr = i;
  } else if (c == 0) {
    if (r.nul++ == 0) r.first_nul = i;
  } else if (c & 0x80) {
    r.high = true;
  }
}

scan_result scan(std::string_view s) {
  scan_result r;
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if ((w & highs) == 0 && !has_zero_byte(w) && !has_zero_byte(w ^ (ones * '\r'))) continue;
    for (std::size_t j = i; j < i + 8; ++j) scan_byte(static_cast<unsigned char>(s[j]), j, r);
  }
  for (; i < s.size(); ++i) scan_byte(static_cast<unsigned char>(s[i]), i, r);
  return r;
}


}  // namespace

std::size_t line_reader::consume(std::string_view data, raw_line& out, bool& done) {
  done = false;
  const void* lf = std::memchr(data.data(), '\n', data.size());
  const std::size_t upto = lf ? static_cast<std::size_t>(static_cast<const char*>(lf) - data.data())
                              : data.size();
  const std::string_view body = data.substr(0, upto);
  if (lf && buf_.empty() && !cutting_ && upto <= max_line_ + 1 &&
      (upto <= max_line_ || data[upto - 1] == '\r')) {
    // Fast path: the whole line is inside this chunk and within the bound: no copy.
    out.ended = true;
    out.cut = false;
    out.dropped = 0;
    out.tail.clear();
    out.crlf = upto > 0 && data[upto - 1] == '\r';
    out.bytes = data.substr(0, upto + 1);
    out.content_len = upto - (out.crlf ? 1 : 0);
    done = true;
    return upto + 1;
  }
  if (cutting_) {
    drop(body);
  } else {
    const std::size_t room = max_line_ + 1 - buf_.size();
    if (body.size() <= room) {
      buf_.append(body);
    } else {
      buf_.append(body.substr(0, room));
      cutting_ = true;
      const std::string extra = buf_.substr(max_line_);
      buf_.resize(max_line_);
      tail_.assign(buf_.size() > tail_keep ? std::string_view(buf_).substr(buf_.size() - tail_keep)
                                           : std::string_view(buf_));
      drop(extra);
      drop(body.substr(room));
    }
  }
  if (!lf) return data.size();
  finish_line(out, true);
  done = true;
  return upto + 1;
}

void line_reader::drop(std::string_view bytes) {
  if (bytes.empty()) return;
  dropped_ += bytes.size();
  last_cr_ = bytes.back() == '\r';
  tail_.append(bytes.size() > tail_keep ? bytes.substr(bytes.size() - tail_keep) : bytes);
  if (tail_.size() > tail_keep) tail_.erase(0, tail_.size() - tail_keep);
}

void line_reader::finish_line(raw_line& out, bool ended) {
  out.ended = ended;
  out.dropped = 0;
  out.tail.clear();
  if (!cutting_ && buf_.size() > max_line_ && !(ended && buf_.back() == '\r')) {
    // One byte over the bound and no CR LF to excuse it: cut that byte.
    cutting_ = true;
    const std::string extra = buf_.substr(max_line_);
    buf_.resize(max_line_);
    tail_ = buf_.size() > tail_keep ? buf_.substr(buf_.size() - tail_keep) : buf_;
    drop(extra);
  }
  out.cut = cutting_;
  std::swap(out.store, buf_);  // both keep their capacity: no allocation per line
  if (cutting_) {
    out.crlf = ended && last_cr_;
    out.dropped = dropped_ - (out.crlf ? 1 : 0);
    if (out.crlf) tail_.pop_back();
    out.tail = tail_;
    out.content_len = out.store.size();
    if (out.crlf) out.store += '\r';
  } else {
    out.crlf = ended && !out.store.empty() && out.store.back() == '\r';
    out.content_len = out.store.size() - (out.crlf ? 1 : 0);
  }
  if (ended) out.store += '\n';
  out.bytes = out.store;
  buf_.clear();
  tail_.clear();
  cutting_ = false;
  last_cr_ = false;
  dropped_ = 0;
}

bool line_reader::flush(raw_line& out) {
  if (idle()) return false;
  finish_line(out, false);
  return true;
}

void line_reader::clear() {
  buf_.clear();
  tail_.clear();
  cutting_ = false;
  last_cr_ = false;
  dropped_ = 0;
}

void add_defect(std::vector<defect>& list, std::size_t cap, defect_kind kind, std::size_t line,
                std::string detail) {
  if (list.size() >= cap) {
    for (const auto& d : list)
      if (d.kind == kind) return;
  }
  list.push_back(defect{kind, line, std::move(detail)});
}

void line_defects(const raw_line& l, std::size_t line_no, std::size_t cap, std::vector<defect>& out,
                  bool check_utf8) {
  const std::string_view c = l.content();
  if (l.ended && !l.crlf) add_defect(out, cap, defect_kind::bare_lf, line_no, "line ended by LF without CR");
  if (l.cut)
    add_defect(out, cap, defect_kind::line_too_long, line_no,
               "line over " + std::to_string(c.size()) + " bytes; " + std::to_string(l.dropped) +
                   " bytes dropped");
  const scan_result r = scan(c);
  if (r.cr)
    add_defect(out, cap, defect_kind::bare_cr, line_no,
               std::to_string(r.cr) + " CR not followed by LF, first at " + std::to_string(r.first_cr) +
                   ": " + visible_bytes(c.substr(r.first_cr > 8 ? r.first_cr - 8 : 0), 24));
  if (r.nul)
    add_defect(out, cap, defect_kind::nul_byte, line_no,
               std::to_string(r.nul) + " NUL bytes, first at " + std::to_string(r.first_nul));
  if (check_utf8 && r.high) {
    const std::size_t at = invalid_utf8_at(c, l.cut);
    if (at != std::string_view::npos)
      add_defect(out, cap, defect_kind::invalid_utf8, line_no,
                 "invalid UTF-8 at " + std::to_string(at) + ": " + visible_bytes(c.substr(at), 8));
  }
}

void append_bounded(std::string& raw, std::uint64_t& elided, std::size_t cap, std::string_view bytes) {
  const std::size_t room = raw.size() < cap ? cap - raw.size() : 0;
  if (bytes.size() <= room) {
    raw.append(bytes);
    return;
  }
  raw.append(bytes.substr(0, room));
  elided += bytes.size() - room;
}

}  // namespace mailspec::protocol::detail
