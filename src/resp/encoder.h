// RESP command encoder: "*<argc>\r\n$<len>\r\n<arg>\r\n..." appended to a growable buffer.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace glide::resp {

// Exact number of bytes encode_command will append.
size_t encoded_size(size_t argc, const char *const *argv, const size_t *argvlen);
// Appends the encoding of one command (argv[i] may be NULL only when argvlen[i] == 0). One
// resize of out at most; no other allocation.
void encode_command(std::string &out, size_t argc, const char *const *argv, const size_t *argvlen);
// The same for arguments held as string_views.
void encode_command(std::string &out, const std::string_view *args, size_t argc);

}  // namespace glide::resp
