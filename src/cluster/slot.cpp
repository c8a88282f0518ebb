#include "cluster/slot.h"

#include <array>
#include <cstring>

namespace glide::cluster {
namespace {
// CRC16-XMODEM: polynomial 0x1021, initial value 0, no reflection, no final xor.
constexpr std::array<uint16_t, 256> make_table() {
  std::array<uint16_t, 256> t{};
  for (unsigned i = 0; i < 256; ++i) {
    unsigned crc = i << 8;
    for (int b = 0; b < 8; ++b) crc = (crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1;
    t[i] = static_cast<uint16_t>(crc);
  }
  return t;
}
constexpr std::array<uint16_t, 256> kTable = make_table();
}  // namespace

uint16_t crc16(const char *data, size_t len) {
  unsigned crc = 0;
  for (size_t i = 0; i < len; ++i) {
    const unsigned idx = ((crc >> 8) ^ static_cast<unsigned char>(data[i])) & 0xff;
    crc = ((crc << 8) ^ kTable[idx]) & 0xffff;
  }
  return static_cast<uint16_t>(crc);
}

uint16_t key_slot(const char *key, size_t len) {
  // Hash tag: between the first '{' and the first '}' after it, when that part is non-empty.
  if (len) {
    const auto *open = static_cast<const char *>(std::memchr(key, '{', len));
    if (open) {
      const char *tag = open + 1;
      const auto rest = static_cast<size_t>(key + len - tag);
      const auto *close = static_cast<const char *>(std::memchr(tag, '}', rest));
      if (close && close != tag) {
        return crc16(tag, static_cast<size_t>(close - tag)) & (kSlotCount - 1);
      }
    }
  }
  return crc16(key, len) & (kSlotCount - 1);
}

}  // namespace glide::cluster
