// Maps Asio/Beast/OpenSSL error codes to io_status, with messages that name the operation.
#pragma once
#include <string>

#include "net/asio.hpp"
#include "net/connection.hpp"

namespace mailspec::net {

io_status classify(const boost::system::error_code& ec);
// {status, operation, "operation: message"}; ok when ec is empty.
io_result make_result(const boost::system::error_code& ec, const std::string& operation);
io_result fail(io_status s, const std::string& operation, const std::string& message);

}  // namespace mailspec::net
