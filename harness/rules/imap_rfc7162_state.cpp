// RFC 7162 (IMAP CONDSTORE), a state-model rule: a message's mod-sequence never goes down while
// its mailbox is selected.
#include "rules/imap_state.hpp"

namespace mailspec::rules::detail {
namespace {

using namespace imap;

struct modseq_order : visitor {
  explicit modseq_order(context& c) : c(c) {}
  context& c;
  void response(const session::exchange& ex, const command&, const protocol::imap_response& r,
                const mailbox* box) override {
    if (!box || r.keyword != "FETCH" || !r.number) return;
    const auto d = parse_fetch(r);
    auto it = box->by_seq.find(*r.number);
    if (!d.modseq || it == box->by_seq.end() || !it->second.modseq) return;
    if (d.uid && it->second.uid && *d.uid != *it->second.uid) return;  // another message (uid-stable judges it)
    if (*d.modseq >= *it->second.modseq) c.held(&ex);
    else
      c.broken(&ex, "MODSEQ of message " + std::to_string(*r.number) + " at least " +
                        std::to_string(*it->second.modseq) + " (its earlier value)",
               r.raw);
  }
};

}  // namespace

void add_imap_rfc7162_state(std::vector<rule>& v) {
  v.push_back(row("imap/rfc7162/3.1/modseq-never-decreases", "imap", "RFC 7162 §3.1", level::must,
                  "Summary: a message's mod-sequence is the value of its last metadata change; the server gives "
                  "every change a higher mod-sequence than the ones before, so a message's MODSEQ seen in a later "
                  "FETCH response of the same selection is never lower than one seen earlier.",
                  [](context& c) {
                    modseq_order r(c);
                    walk(c.rec, r);
                  }));
}

}  // namespace mailspec::rules::detail
