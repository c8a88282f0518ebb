// C shim for glide_set_log_callback: the level is read as an int before it is checked (a C caller
// may pass any value).
#include "capi/enum_value.h"
#include "util/log.h"

extern "C" {

GLIDE_API glide_status glide_set_log_callback(glide_log_level min_level, glide_log_callback cb,
                                              void *user_data) {
  return glide::log::set_callback(glide::enum_value(min_level), cb, user_data);
}

}  // extern "C"
