#include "resp/encoder.h"

#include <cstdint>
#include <cstring>

namespace glide::resp {
namespace {
// "00" .. "99": two digits per division halves the divisions.
constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

size_t decimal_len(uint64_t v) {
  size_t n = 1;
  for (;;) {
    if (v < 10) return n;
    if (v < 100) return n + 1;
    if (v < 1000) return n + 2;
    if (v < 10000) return n + 3;
    v /= 10000;
    n += 4;
  }
}

// Writes v's digits so that the last one lands at end[-1]; the caller knows the width.
void write_decimal(char *end, uint64_t v) {
  while (v >= 100) {
    const auto i = static_cast<size_t>(v % 100) * 2;
    v /= 100;
    *--end = kDigitPairs[i + 1];
    *--end = kDigitPairs[i];
  }
  if (v >= 10) {
    const auto i = static_cast<size_t>(v) * 2;
    *--end = kDigitPairs[i + 1];
    *--end = kDigitPairs[i];
  } else {
    *--end = static_cast<char>('0' + v);
  }
}

// "<prefix><n>\r\n" at p; returns the byte after it.
char *write_header(char *p, char prefix, size_t n) {
  *p++ = prefix;
  const size_t w = decimal_len(n);
  write_decimal(p + w, n);
  p += w;
  *p++ = '\r';
  *p++ = '\n';
  return p;
}

char *write_arg(char *p, const char *arg, size_t len) {
  p = write_header(p, '$', len);
  if (len) std::memcpy(p, arg, len);
  p += len;
  *p++ = '\r';
  *p++ = '\n';
  return p;
}

size_t arg_size(size_t len) { return 1 + decimal_len(len) + 2 + len + 2; }
}  // namespace

size_t encoded_size(size_t argc, const char *const *argv, const size_t *argvlen) {
  (void)argv;
  size_t total = 1 + decimal_len(argc) + 2;
  for (size_t i = 0; i < argc; ++i) total += arg_size(argvlen[i]);
  return total;
}

void encode_command(std::string &out, size_t argc, const char *const *argv, const size_t *argvlen) {
  const size_t old = out.size();
  out.resize(old + encoded_size(argc, argv, argvlen));
  char *p = write_header(out.data() + old, '*', argc);
  for (size_t i = 0; i < argc; ++i) p = write_arg(p, argv[i], argvlen[i]);
}

void encode_command(std::string &out, const std::string_view *args, size_t argc) {
  size_t size = 1 + decimal_len(argc) + 2;
  for (size_t i = 0; i < argc; ++i) size += arg_size(args[i].size());
  const size_t old = out.size();
  out.resize(old + size);
  char *p = write_header(out.data() + old, '*', argc);
  for (size_t i = 0; i < argc; ++i) p = write_arg(p, args[i].data(), args[i].size());
}

}  // namespace glide::resp
