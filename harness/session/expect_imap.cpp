// IMAP expectations: tagged status and code, untagged matchers (line or structured), extras.
#include <algorithm>
#include <optional>

#include "protocol/imap_data.hpp"
#include "session/expect.hpp"
#include "session/expect_detail.hpp"

namespace mailspec::session {

using namespace detail;

namespace {

// An untagged response (or continuation request) as matchers see it; parsed only when a
// structured matcher asks.
struct untagged_view {
  const protocol::imap_response* r = nullptr;
  std::string first_line;
  mutable std::optional<protocol::imap_data> data;
  const protocol::imap_data& parsed() const {
    if (!data) data = protocol::parse_imap_data(*r);
    return *data;
  }
};

std::vector<untagged_view> untagged_of(const exchange& ex) {
  std::vector<untagged_view> out;
  for (const auto& r : ex.imap)
    if (r.kind != protocol::imap_kind::tagged) {
      auto eol = r.raw.find('\n');
      out.push_back({&r, strip_eol(eol == std::string::npos ? r.raw : r.raw.substr(0, eol + 1)), std::nullopt});
    }
  return out;
}

bool view_matches(const scenario::matcher& m, const untagged_view& v, captures_map& caps,
                  const scenario::expand_context& ctx) {
  if (m.type() == scenario::matcher::kind::parsed) return m.matches_imap(v.parsed(), v.first_line, caps, ctx);
  return m.matches(v.first_line, &caps);
}

// Each matcher must match some untagged response (any order); `missing` names the first that does not.
bool all_untagged(const std::vector<scenario::matcher>& ms, const std::vector<untagged_view>& views, captures_map& caps,
                  const scenario::expand_context& ctx, std::string& missing) {
  for (const auto& m : ms) {
    bool hit = std::any_of(views.begin(), views.end(), [&](const untagged_view& v) { return view_matches(m, v, caps, ctx); });
    if (!hit) {
      missing = m.describe();
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<std::string> imap_untagged_lines(const exchange& ex) {
  std::vector<std::string> out;
  for (auto& v : untagged_of(ex)) out.push_back(std::move(v.first_line));
  return out;
}

std::size_t count_imap(const scenario::matcher& m, const exchange& ex, const scenario::expand_context& ctx) {
  std::size_t n = 0;
  for (const auto& v : untagged_of(ex)) {
    captures_map scratch = ctx.captures ? *ctx.captures : captures_map{};
    if (view_matches(m, v, scratch, ctx)) ++n;
  }
  return n;
}

expect_outcome check_imap(const scenario::imap_expect* e, const exchange& ex, bool default_success, captures_map& caps,
                          const scenario::expand_context& ctx) {
  expect_outcome o;
  const protocol::imap_response* tagged = nullptr;
  for (const auto& r : ex.imap)
    if (r.kind == protocol::imap_kind::tagged && (ex.tag.empty() || r.tag == ex.tag)) tagged = &r;
  std::string all;
  for (const auto& r : ex.imap) all += r.raw;
  o.actual = bounded_visible(all);
  if (ex.imap.empty()) {
    o.ok = false;
    o.expected = "a response";
    o.actual = ex.timed_out ? "no complete response before the deadline" : "no response (connection closed)";
    o.message = o.actual;
    return o;
  }
  std::vector<std::string> want = e ? e->status : std::vector<std::string>{};
  if (want.empty() && default_success) want = {"OK"};
  if (!want.empty()) {
    o.expected = "tagged " + join(want, " or ");
    if (!tagged) {
      o.ok = false;
      o.message = ex.imap.back().kind == protocol::imap_kind::continuation
                      ? "expected a tagged " + join(want, "/") + ", got a continuation request"
                      : "no tagged response for " + ex.tag;
      return o;
    }
    if (std::find(want.begin(), want.end(), tagged->status) == want.end()) {
      o.ok = false;
      o.message = "expected " + join(want, "/") + ", got " + (tagged->status.empty() ? "?" : tagged->status);
      return o;
    }
  }
  if (!e) return o;
  if (e->code) {
    o.expected += std::string(o.expected.empty() ? "" : ", ") + "code [" + *e->code + "]";
    std::string got = tagged ? tagged->code_name() : "";
    if (upper(got) != upper(*e->code)) {
      o.ok = false;
      o.message = "expected response code [" + *e->code + "], got " + (got.empty() ? "none" : "[" + got + "]");
      return o;
    }
  }
  const auto views = untagged_of(ex);
  std::string why;
  if (!e->untagged.empty() && !all_untagged(e->untagged, views, caps, ctx, why)) {
    o.ok = false;
    o.expected += std::string(o.expected.empty() ? "" : ", ") + "an untagged response matching " + why;
    o.message = "no untagged response matches " + why;
    return o;
  }
  if (e->extra_untagged_fail) {
    for (const auto& v : views) {
      bool known = std::any_of(e->untagged.begin(), e->untagged.end(), [&](const scenario::matcher& m) {
        captures_map scratch = caps;
        return view_matches(m, v, scratch, ctx);
      });
      if (!known) {
        o.ok = false;
        o.expected += std::string(o.expected.empty() ? "" : ", ") + "no other untagged responses";
        o.message = "unexpected untagged response: " + bounded_visible(v.first_line);
        return o;
      }
    }
  }
  return o;
}

}  // namespace mailspec::session
