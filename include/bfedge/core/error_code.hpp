// Error codes shared by host and device code (freestanding: no strings, no allocation).
#pragma once

namespace bfedge {

enum class ErrorCode : unsigned char {
  ok = 0,
  io,                // a file could not be opened or read
  format,            // a file's bytes do not match its format
  invalid_argument,  // a caller passed a value outside the accepted range
  unsupported,       // a valid request this build or target cannot serve
  capacity,          // a buffer, arena or memory level is too small
  interrupted,       // the user stopped the work (SIGINT, SIGTERM, SIGHUP)
};

constexpr const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::ok:
      return "ok";
    case ErrorCode::io:
      return "io";
    case ErrorCode::format:
      return "format";
    case ErrorCode::invalid_argument:
      return "invalid_argument";
    case ErrorCode::unsupported:
      return "unsupported";
    case ErrorCode::capacity:
      return "capacity";
    case ErrorCode::interrupted:
      return "interrupted";
  }
  return "unknown";
}

}  // namespace bfedge
