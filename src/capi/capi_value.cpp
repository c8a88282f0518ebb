// C shims for the value tree accessors, error names and version.
#include "capi/enum_value.h"
#include "value/arena.h"
#include "value/oom.h"
#include "value/types.h"

namespace {
using glide::value::is_list;
using glide::value::is_string;
}  // namespace

extern "C" {

#define GLIDE_STR2(x) #x
#define GLIDE_STR(x) GLIDE_STR2(x)
GLIDE_API const char *glide_version(void) {
  return GLIDE_STR(GLIDE_C_VERSION_MAJOR) "." GLIDE_STR(GLIDE_C_VERSION_MINOR) "." GLIDE_STR(
      GLIDE_C_VERSION_PATCH);
}

GLIDE_API uint32_t glide_version_number(void) { return GLIDE_C_VERSION_NUMBER; }

GLIDE_API const char *glide_error_kind_name(glide_error_kind kind) {
  switch (glide::enum_value(kind)) {
    case GLIDE_OK:
      return "OK";
    case GLIDE_ERR_INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case GLIDE_ERR_CONNECTION:
      return "CONNECTION";
    case GLIDE_ERR_TIMEOUT:
      return "TIMEOUT";
    case GLIDE_ERR_SERVER:
      return "SERVER";
    case GLIDE_ERR_EXEC_ABORT:
      return "EXEC_ABORT";
    case GLIDE_ERR_CROSSSLOT:
      return "CROSSSLOT";
    case GLIDE_ERR_CLOSING:
      return "CLOSING";
    case GLIDE_ERR_TLS:
      return "TLS";
    case GLIDE_ERR_AUTH:
      return "AUTH";
    case GLIDE_ERR_PROTOCOL:
      return "PROTOCOL";
    case GLIDE_ERR_OUT_OF_MEMORY:
      return "OUT_OF_MEMORY";
    case GLIDE_ERR_NOT_SUPPORTED:
      return "NOT_SUPPORTED";
    case GLIDE_ERR_INFLIGHT_LIMIT:
      return "INFLIGHT_LIMIT";
  }
  return "UNKNOWN";
}

GLIDE_API glide_value_type glide_value_get_type(const glide_value *v) {
  return v ? v->type : GLIDE_VALUE_NIL;
}

GLIDE_API int64_t glide_value_integer(const glide_value *v) {
  return v && v->type == GLIDE_VALUE_INTEGER ? v->u.integer : 0;
}

GLIDE_API double glide_value_double(const glide_value *v) {
  return v && v->type == GLIDE_VALUE_DOUBLE ? v->u.dbl : 0.0;
}

GLIDE_API bool glide_value_bool(const glide_value *v) {
  return v && v->type == GLIDE_VALUE_BOOLEAN ? v->u.boolean : false;
}

GLIDE_API const char *glide_value_string(const glide_value *v, size_t *len) {
  if (!v || !is_string(v->type)) {
    if (len) *len = 0;
    return nullptr;
  }
  if (len) *len = v->u.string.len;
  return v->u.string.ptr;
}

GLIDE_API size_t glide_value_len(const glide_value *v) {
  if (!v) return 0;
  if (is_string(v->type)) return v->u.string.len;
  if (is_list(v->type) || v->type == GLIDE_VALUE_MAP) return v->u.aggregate.len;
  return 0;
}

GLIDE_API const glide_value *glide_value_at(const glide_value *v, size_t i) {
  if (!v || !is_list(v->type) || i >= v->u.aggregate.len) return nullptr;
  return &v->u.aggregate.items[i];
}

GLIDE_API const glide_value *glide_value_map_key(const glide_value *v, size_t i) {
  if (!v || v->type != GLIDE_VALUE_MAP || i >= v->u.aggregate.len) return nullptr;
  return &v->u.aggregate.items[2 * i];
}

GLIDE_API const glide_value *glide_value_map_value(const glide_value *v, size_t i) {
  if (!v || v->type != GLIDE_VALUE_MAP || i >= v->u.aggregate.len) return nullptr;
  return &v->u.aggregate.items[2 * i + 1];
}

GLIDE_API size_t glide_value_children(const glide_value *v, const glide_value **out, size_t max) {
  if (!v) return 0;
  size_t total = 0;
  if (is_list(v->type))
    total = v->u.aggregate.len;
  else if (v->type == GLIDE_VALUE_MAP)
    total = 2 * v->u.aggregate.len;
  if (out)
    for (size_t i = 0; i < total && i < max; ++i) out[i] = &v->u.aggregate.items[i];
  return total;
}

GLIDE_API glide_error_kind glide_value_error_kind(const glide_value *v) {
  return v && v->type == GLIDE_VALUE_ERROR ? v->error_kind : GLIDE_OK;
}

GLIDE_API const char *glide_value_verbatim_format(const glide_value *v) {
  return v && v->type == GLIDE_VALUE_VERBATIM_STRING ? v->verbatim_format : nullptr;
}

GLIDE_API void glide_value_free(glide_value *root) {
  if (!root || glide::is_oom_root(root)) return;
  glide::Arena::destroy(glide::Arena::from_root(root));
}

}  // extern "C"
