// The fake server's small SMTP receiver (script action smtp_mta): the I/O-free part. It plays a
// permissive or hardened MTA for the SMTP smuggling probe (docs/architecture.md): which byte
// sequences end DATA, and whether a bare LF or CR in a message is rejected.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailspec::fake {

struct mta_options {
  // Sequences that end DATA besides <CRLF>.<CRLF> (a permissive MTA): "lf-dot-lf" (<LF>.<LF>),
  // "cr-dot-cr", "lf-dot-crlf", "crlf-dot-lf" (the names of the audit's variants).
  std::vector<std::string> end_of_data;
  bool reject_bare_lf = false;  // a message with a bare LF gets 550 (the hardened answer)
  bool reject_bare_cr = false;
  bool starttls = false;        // offer STARTTLS (the handshake uses the action's tls options)
};

// The end of the message data in `data` (the bytes after the 354; a virtual <CRLF> precedes them):
// where the content ends and how many bytes of `data` the terminator consumed. nullopt: not yet.
struct data_end {
  std::size_t content = 0;   // data[0, content) is the message
  std::size_t consumed = 0;  // data[0, consumed) is message plus terminator
};
std::optional<data_end> find_data_end(std::string_view data, const mta_options& o);

// The reply to a message's content: 250, or 550 for a rejected bare LF / CR.
std::string data_reply(std::string_view content, const mta_options& o, int message_number);

// The reply to one command line (CR/LF stripped). `data` is set for DATA (354 sent: read the
// message next), `quit` for QUIT, `tls` for STARTTLS when offered.
struct mta_reply {
  std::string text;
  bool data = false, quit = false, tls = false;
};
mta_reply command_reply(std::string_view line, const mta_options& o);

}  // namespace mailspec::fake
