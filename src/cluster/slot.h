// Cluster key slots: CRC16-XMODEM of the key (or of its non-empty {hash tag}) mod 16384.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace glide::cluster {

constexpr uint16_t kSlotCount = 16384;

uint16_t crc16(const char *data, size_t len);    // CRC16-XMODEM; crc16("123456789") == 0x31C3
uint16_t key_slot(const char *key, size_t len);  // hash-tag aware
inline uint16_t key_slot(std::string_view key) { return key_slot(key.data(), key.size()); }

}  // namespace glide::cluster
