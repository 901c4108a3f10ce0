// Private: the fake server's TLS contexts.
#pragma once
#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "script.hpp"
#include "test_ca.hpp"

namespace mailspec::fake {

// Null + error when the options or files are wrong.
std::unique_ptr<boost::asio::ssl::context> make_server_context(const tls_server_options& opt,
                                                               const test_ca_paths& ca, std::string& error);

}  // namespace mailspec::fake
