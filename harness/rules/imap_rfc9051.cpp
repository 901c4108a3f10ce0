// RFC 9051 / RFC 3501 (IMAP): response grammar, line endings, literals, tags, greeting, codes.
#include <set>

#include "rules/detail.hpp"

namespace mailspec::rules::detail {
namespace {

using protocol::defect_kind;
using protocol::imap_kind;

template <class F>
void each_imap_response(const record& rec, F f) {
  for (const auto& ex : rec.exchanges)
    for (const auto& r : ex.imap) f(ex, r);
}

std::string first_line(const protocol::imap_response& r) { return r.raw.substr(0, r.raw.find('\n') + 1); }

void response_grammar(context& c) {
  each_imap_response(c.rec, [&](const exchange& ex, const protocol::imap_response& r) {
    if (r.kind == imap_kind::malformed || has_defect(r.defects, defect_kind::malformed_code))
      c.broken(&ex, "\"*\" untagged, \"+\" continuation or tag SP status (RFC 9051 §7, §9 response)", first_line(r));
    else c.held(&ex);
  });
}

void imap_crlf_endings(context& c) {
  each_imap_response(c.rec, [&](const exchange& ex, const protocol::imap_response& r) {
    if (has_defect(r.defects, defect_kind::bare_lf) || has_defect(r.defects, defect_kind::bare_cr))
      c.broken(&ex, "every line ends with CRLF", first_line(r));
    else c.held(&ex);
  });
}

void literal_syntax(context& c) {
  each_imap_response(c.rec, [&](const exchange& ex, const protocol::imap_response& r) {
    if (r.literals.empty() && !has_defect(r.defects, defect_kind::malformed_literal)) return;
    if (has_defect(r.defects, defect_kind::malformed_literal))
      c.broken(&ex, "literal = \"{\" number64 \"}\" CRLF *CHAR8", first_line(r),
               defect_detail(r.defects, defect_kind::malformed_literal));
    else c.held(&ex);
  });
}

void tagged_completion(context& c) {
  std::set<std::string> sent_tags;  // every tag the client used so far (pipelined lines too)
  for (const auto& ex : c.rec.exchanges) {
    for (const auto& l : sent_lines(c.rec, ex)) {
      auto w = split_ws(l);
      if (!w.empty()) sent_tags.insert(w.front());
    }
    if (ex.tag.empty() || ex.command.empty() || ex.imap.empty()) continue;
    int mine = 0;
    std::string other;
    for (const auto& r : ex.imap) {
      if (r.kind != imap_kind::tagged) continue;
      if (r.tag == ex.tag) ++mine;
      else if (!sent_tags.count(r.tag)) other = first_line(r);  // a late answer to a pipelined command is fine
    }
    if (!other.empty()) c.broken(&ex, "the tag \"" + ex.tag + "\" of the command", other, "a tagged response with another tag");
    else if (mine > 1) c.broken(&ex, "exactly one tagged completion for \"" + ex.tag + "\"", ex.imap.back().raw);
    else if (mine == 1) c.held(&ex);
    else if (!ex.timed_out && !ex.closed_after && ex.verb != "IDLE" && ex.verb != "AUTHENTICATE" &&
             ex.imap.back().kind != imap_kind::continuation)
      c.broken(&ex, "a tagged completion for \"" + ex.tag + "\"", ex.imap.back().raw);
  }
}

void tagged_status(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    if (ex.tag.empty()) continue;
    for (const auto& r : ex.imap) {
      // The framer may call a tagged line with a bad status malformed: judge by the raw words.
      auto w = split_ws(first_line(r));
      if (r.kind != imap_kind::tagged && (r.kind != imap_kind::malformed || w.empty() || w[0] != ex.tag)) continue;
      const std::string status = w.size() > 1 ? upper(w[1]) : "";
      if (status == "OK" || status == "NO" || status == "BAD") c.held(&ex);
      else c.broken(&ex, "tag SP (\"OK\" / \"NO\" / \"BAD\")", first_line(r));
    }
  }
}

void greeting_status(context& c) {
  for (const auto& ex : c.rec.exchanges) {
    if (!ex.greeting || ex.imap.empty()) continue;
    const auto& r = ex.imap.front();
    if (r.kind == imap_kind::untagged && (r.status == "OK" || r.status == "PREAUTH" || r.status == "BYE"))
      c.held(&ex, first_line(r));
    else c.broken(&ex, "\"* OK\", \"* PREAUTH\" or \"* BYE\"", first_line(r));
  }
}

void capability_imap4rev(context& c) {
  each_imap_response(c.rec, [&](const exchange& ex, const protocol::imap_response& r) {
    auto caps = protocol::imap_capabilities(r);
    if (caps.empty() && r.keyword != "CAPABILITY" && r.code_name() != "CAPABILITY") return;
    if (has_word(caps, "IMAP4rev1") || has_word(caps, "IMAP4rev2")) c.held(&ex);
    else c.broken(&ex, "IMAP4rev1 or IMAP4rev2 in the capability list", first_line(r));
  });
}

void response_code_args(context& c) {
  each_imap_response(c.rec, [&](const exchange& ex, const protocol::imap_response& r) {
    const std::string name = r.code_name();
    if (name != "UIDVALIDITY" && name != "UIDNEXT" && name != "UNSEEN") return;
    auto w = split_ws(r.code);
    if (w.size() == 2 && all_digits(w[1]) && w[1].find_first_not_of('0') != std::string::npos) c.held(&ex);
    else c.broken(&ex, name + " SP nz-number", first_line(r));
  });
}

// NUL anywhere outside a literal8, and bytes that are not UTF-8 in response lines (text is TEXT-CHAR
// or UTF-8). Literal payloads are not judged here.
void text_bytes(context& c) {
  each_imap_response(c.rec, [&](const exchange& ex, const protocol::imap_response& r) {
    for (const auto& line : r.lines)
      if (auto bad = first_bad_text_byte(line, true))
        return c.broken(&ex, "no NUL and well-formed text in response lines", line,
                        bad->what + " at offset " + std::to_string(bad->at));
    c.held(&ex);
  });
}

}  // namespace

void add_imap_rfc9051(std::vector<rule>& v) {
  v.push_back(row("imap/rfc9051/7/response-grammar", "imap", "RFC 9051 §7, §9 (RFC 3501 §7, §9 for IMAP4rev1)",
                  level::must,
                  "Server responses are in three forms: status responses, server data, and command continuation "
                  "requests. (§7) ... response = *(continue-req / response-data) response-done (§9)",
                  response_grammar));
  v.push_back(row("imap/rfc9051/9/text-bytes", "imap", "RFC 9051 §9, §4.3.1 (RFC 3501 §9 for IMAP4rev1)", level::must,
                  "The ASCII NUL character, %x00, MUST NOT be used anywhere, with the exception of the OCTET "
                  "production. ... text = 1*(TEXT-CHAR / UTF8-2 / UTF8-3 / UTF8-4) ... TEXT-CHAR = <any CHAR except "
                  "CR and LF> (§9; judged on response lines, literals aside: NUL and bytes that are not UTF-8 fail)",
                  text_bytes, severity::low));
  v.push_back(row("imap/rfc9051/2.2/crlf-line-endings", "imap", "RFC 9051 §2.2", level::must,
                  "All interactions transmitted by client and server are in the form of lines, that is, strings "
                  "that end with a CRLF.",
                  imap_crlf_endings));
  v.push_back(row("imap/rfc9051/4.3/literal-syntax", "imap", "RFC 9051 §4.3, §9 (RFC 3501 §4.3 for IMAP4rev1)",
                  level::must,
                  "A synchronizing literal is a sequence of zero or more octets (including CR and LF), prefix-quoted "
                  "with an octet count in the form of an open brace (\"{\"), the number of octets, a close brace "
                  "(\"}\"), and a CRLF. (§4.3) ... literal = \"{\" number64 [\"+\"] \"}\" CRLF *CHAR8 (§9)",
                  literal_syntax));
  v.push_back(row("imap/rfc9051/2.2.2/tagged-completion", "imap", "RFC 9051 §2.2.2", level::must,
                  "The server completion result response indicates the success or failure of the operation. It is "
                  "tagged with the same tag as the client command that began the operation.",
                  tagged_completion));
  v.push_back(row("imap/rfc9051/7.1/tagged-status", "imap", "RFC 9051 §7.1, §9", level::must,
                  "response-tagged = tag SP resp-cond-state CRLF ... resp-cond-state = (\"OK\" / \"NO\" / \"BAD\") SP "
                  "resp-text",
                  tagged_status));
  v.push_back(row("imap/rfc9051/7.1/greeting-status", "imap", "RFC 9051 §7.1, §9", level::must,
                  "greeting = \"*\" SP (resp-cond-auth / resp-cond-bye) CRLF ... resp-cond-auth = (\"OK\" / "
                  "\"PREAUTH\") SP resp-text",
                  greeting_status));
  v.push_back(row("imap/rfc9051/7.2.2/capability-imap4rev", "imap", "RFC 9051 §7.2.2, §9 (RFC 3501 §7.2.1 for IMAP4rev1)",
                  level::must,
                  "The capability listing MUST include the atom \"IMAP4rev2\", but note that it doesn't have to be "
                  "the first capability listed. (§7.2.2) ... ; Servers that offer RFC 3501 compatibility MUST ; list "
                  "\"IMAP4rev1\" as one of the capabilities. (§9, capability-data; either one is accepted)",
                  capability_imap4rev));
  v.push_back(row("imap/rfc9051/7.1/response-code-args", "imap", "RFC 9051 §9, §7.1 (RFC 3501 §9 for IMAP4rev1)",
                  level::must,
                  "resp-text-code = \"ALERT\" / ... \"UIDNEXT\" SP nz-number / \"UIDVALIDITY\" SP nz-number / ... "
                  "(RFC 3501 §9 has \"UNSEEN\" SP nz-number too: these codes carry a non-zero number)",
                  response_code_args));
}

}  // namespace mailspec::rules::detail
