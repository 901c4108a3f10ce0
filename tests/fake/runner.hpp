// Private: runs the script over one accepted connection.
#pragma once
#include "net/asio.hpp"

#include "fake_server.hpp"
#include "recorder.hpp"
#include "test_ca.hpp"

namespace mailspec::fake {

boost::asio::awaitable<void> run_connection(boost::asio::ip::tcp::socket socket, const script& s,
                                            const server_options& opt, const test_ca_paths& ca, recorder& rec);

}  // namespace mailspec::fake
