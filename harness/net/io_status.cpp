#include "net/io_status.hpp"

namespace mailspec::net {

std::string_view to_string(io_status s) {
  switch (s) {
    case io_status::ok: return "ok";
    case io_status::timeout: return "timeout";
    case io_status::eof: return "eof";
    case io_status::refused: return "refused";
    case io_status::reset: return "reset";
    case io_status::unreachable: return "unreachable";
    case io_status::tls_error: return "tls_error";
    case io_status::cancelled: return "cancelled";
    case io_status::other: return "other";
  }
  return "other";
}

io_status classify(const boost::system::error_code& ec) {
  namespace err = asio::error;
  if (!ec) return io_status::ok;
  if (ec == beast::error::timeout || ec == err::timed_out) return io_status::timeout;
  if (ec == err::eof) return io_status::eof;
  // Peer closed TCP without a TLS close_notify. Mail protocols delimit their own replies
  // (a truncated reply is visibly incomplete to the parser), so this is reported as an
  // ordinary end of stream rather than a TLS failure; see connection.cpp.
  if (ec == ssl::error::stream_truncated) return io_status::eof;
  if (ec == err::connection_refused) return io_status::refused;
  if (ec == err::connection_reset || ec == err::broken_pipe || ec == err::connection_aborted)
    return io_status::reset;
  if (ec == err::network_unreachable || ec == err::host_unreachable || ec == err::host_not_found ||
      ec == err::host_not_found_try_again || ec == err::no_data || ec == boost::system::errc::address_not_available ||
      ec == err::network_down)
    return io_status::unreachable;
  if (ec == err::operation_aborted) return io_status::cancelled;
  if (ec.category() == asio::error::get_ssl_category() || ec.category() == ssl::error::get_stream_category())
    return io_status::tls_error;
  return io_status::other;
}

io_result fail(io_status s, const std::string& operation, const std::string& message) {
  return io_result{s, operation, operation + ": " + message};
}

io_result make_result(const boost::system::error_code& ec, const std::string& operation) {
  if (!ec) return io_result{io_status::ok, operation, ""};
  auto s = classify(ec);
  std::string msg = ec.message();
  if (ec == ssl::error::stream_truncated) msg = "connection closed without TLS close_notify";
  if (s == io_status::timeout) msg = "deadline expired";
  return fail(s, operation, msg);
}

}  // namespace mailspec::net
