// Status and Result<T>: errors as values in the library core (no exceptions).
// A Status carries an ErrorCode and a one-line message that already names the file or
// argument at fault, so the CLI can print it as is.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "bfedge/core/error_code.hpp"

namespace bfedge {

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }

  bool is_ok() const { return code_ == ErrorCode::ok; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  ErrorCode code_ = ErrorCode::ok;
  std::string message_;
};

inline Status io_error(std::string message) { return {ErrorCode::io, std::move(message)}; }
inline Status format_error(std::string message) { return {ErrorCode::format, std::move(message)}; }
inline Status invalid_argument(std::string message) {
  return {ErrorCode::invalid_argument, std::move(message)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : state_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(state_).is_ok() && "Result needs a value or an error");
  }

  bool is_ok() const { return std::holds_alternative<T>(state_); }
  const Status& status() const {
    assert(!is_ok());
    return std::get<Status>(state_);
  }
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace bfedge

// Propagate an error Status out of the enclosing function.
#define BFEDGE_RETURN_IF_ERROR(expr)                    \
  do {                                                  \
    ::bfedge::Status bfedge_status_ = (expr);           \
    if (!bfedge_status_.is_ok()) return bfedge_status_; \
  } while (0)

// lhs = the value of a Result expression, or return its error Status from the enclosing function.
#define BFEDGE_ASSIGN_OR_RETURN(lhs, expr)                \
  do {                                                    \
    auto bfedge_result_ = (expr);                         \
    if (!bfedge_result_.is_ok()) return bfedge_result_.status(); \
    lhs = std::move(bfedge_result_.value());              \
  } while (0)
