#include "fake_server.hpp"

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "net/asio.hpp"
#include "recorder.hpp"
#include "runner.hpp"
#include "test_ca.hpp"

namespace mailspec::fake {

namespace asio = boost::asio;

struct fake_server::impl {
  script actions;
  server_options opt;
  test_ca_paths ca;
  recorder rec;
  // Destroyed before the members above: pending connection coroutines reference them.
  asio::io_context ioc;
  asio::ip::tcp::acceptor acceptor{ioc};
  int port = 0;
  std::thread thread;

  asio::awaitable<void> accept_loop() {
    for (int n = 0; opt.connections == 0 || n < opt.connections; ++n) {
      boost::system::error_code ec;
      auto socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      rec.accept();
      auto peer = socket.remote_endpoint(ec);
      if (!ec) rec.event("accept " + peer.address().to_string());
      const script& which = opt.scripts.empty() ? actions
                            : opt.scripts[std::min<std::size_t>(static_cast<std::size_t>(n), opt.scripts.size() - 1)];
      asio::co_spawn(ioc, run_connection(std::move(socket), which, opt, ca, rec), asio::detached);
    }
    boost::system::error_code ec;
    acceptor.close(ec);
  }
};

fake_server::fake_server(script s, server_options opt) : p_(std::make_unique<impl>()) {
  p_->actions = std::move(s);
  p_->opt = std::move(opt);
  if (p_->opt.implicit_tls || !p_->opt.tls_dir.empty()) p_->ca = p_->opt.tls_dir.empty() ? test_ca() : test_ca_in(p_->opt.tls_dir);
  for (const auto& a : p_->actions)
    if (a.kind == action_kind::starttls && p_->ca.dir.empty()) p_->ca = test_ca();
  for (const auto& sc : p_->opt.scripts)
    for (const auto& a : sc)
      if (a.kind == action_kind::starttls && p_->ca.dir.empty()) p_->ca = test_ca();
  boost::system::error_code ec;
  auto address = asio::ip::make_address(p_->opt.listen, ec);
  if (ec) throw std::runtime_error("fake server: bad listen address " + p_->opt.listen);
  asio::ip::tcp::endpoint ep(address, static_cast<unsigned short>(p_->opt.port));
  auto& acc = p_->acceptor;
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("fake server: listen on " + p_->opt.listen + ": " + ec.message());
  p_->port = acc.local_endpoint().port();
  asio::co_spawn(p_->ioc, p_->accept_loop(), asio::detached);
  p_->thread = std::thread([p = p_.get()] { p->ioc.run(); });
}

fake_server::~fake_server() { stop(); }

void fake_server::stop() {
  if (!p_->thread.joinable()) return;
  p_->ioc.stop();
  p_->thread.join();
}

int fake_server::port() const { return p_->port; }

bool fake_server::wait_done(std::chrono::milliseconds timeout) const {
  auto& r = p_->rec;
  std::unique_lock lock(r.m);
  int want = p_->opt.connections;
  return r.cv.wait_for(lock, timeout, [&] { return want > 0 ? r.finished >= want : r.finished >= r.accepted && r.accepted > 0; });
}

int fake_server::accepted() const {
  std::lock_guard lock(p_->rec.m);
  return p_->rec.accepted;
}

int fake_server::finished() const {
  std::lock_guard lock(p_->rec.m);
  return p_->rec.finished;
}

std::string fake_server::received() const {
  std::lock_guard lock(p_->rec.m);
  return p_->rec.received;
}

std::string fake_server::received_plain() const {
  std::lock_guard lock(p_->rec.m);
  return p_->rec.plain;
}

std::vector<std::string> fake_server::lines() const {
  std::lock_guard lock(p_->rec.m);
  return p_->rec.lines;
}

std::vector<std::string> fake_server::mismatches() const {
  std::lock_guard lock(p_->rec.m);
  return p_->rec.mismatches;
}

std::vector<std::string> fake_server::events() const {
  std::lock_guard lock(p_->rec.m);
  return p_->rec.events;
}

}  // namespace mailspec::fake
