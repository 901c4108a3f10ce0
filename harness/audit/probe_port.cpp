// audit::probe_port: one main probe on a private io_context, judged like an audit case.
#include <exception>
#include <optional>

#include "audit/families.hpp"

namespace mailspec::audit {

namespace asio = boost::asio;

case_result probe_port(const options& opt, const port_spec& port) {
  asio::io_context io(1);
  std::optional<session::record> rec;
  std::string failure;
  asio::co_spawn(io, detail::probe_main(opt, port), [&](std::exception_ptr e, session::record r) {
    if (!e) {
      rec = std::move(r);
      return;
    }
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      failure = x.what();
    }
  });
  io.run();
  if (!rec) {
    case_result c;
    c.kind = "audit";
    c.scenario_id = "audit/" + port.label() + "/" + std::string(to_string(detail::main_family(port)));
    c.protocol = std::string(to_string(port.protocol));
    c.target.host = opt.host;
    c.target.port = port.port;
    c.target.tls_mode = std::string(to_string(port.tls));
    c.result = verdict::error;
    c.message = "internal error: " + failure;
    return c;
  }
  return detail::judge_case(std::move(*rec), opt);
}

}  // namespace mailspec::audit
