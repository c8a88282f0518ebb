#include "exec/aggregate.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

#include "value/types.h"

namespace glide {
namespace {
using commands::ResponsePolicy;

bool is_error(const glide_value &v) { return v.type == GLIDE_VALUE_ERROR; }
bool is_list(const glide_value &v) { return value::is_list(v.type); }
std::string_view str(const glide_value &v) { return value::string_of(v); }

void oom(glide_value *out) {
  static constexpr char kMsg[] = "out of memory while combining replies";
  out->type = GLIDE_VALUE_ERROR;
  out->error_kind = GLIDE_ERR_OUT_OF_MEMORY;
  out->u.string.ptr = kMsg;
  out->u.string.len = sizeof(kMsg) - 1;
}

const glide_value *first_error(const Split &s) {
  for (uint32_t i = 0; i < s.count; ++i)
    if (is_error(s.parts[i].value)) return &s.parts[i].value;
  return nullptr;
}

// A sum past int64 can only come from servers that lie: a clear error in its place.
void overflow_error(Arena *a, glide_value *out) {
  if (!a->set_error(out, GLIDE_ERR_PROTOCOL, "the nodes' integer replies add up beyond 64 bits"))
    oom(out);
}

void type_error(Arena *a, glide_value *out, const char *what) {
  if (!a->set_error(out, GLIDE_ERR_PROTOCOL, std::string("unexpected reply type while ") + what))
    oom(out);
}

// Multi-slot parts: MGET values back in key order; counts summed; OK when all OK. When some parts
// failed, one ERROR that names the failed slots and how many parts succeeded.
void combine_split(Arena *a, const Split &s, glide_value *out) {
  uint32_t failed = 0;
  const glide_value *first = nullptr;
  std::string slots;
  for (uint32_t i = 0; i < s.count; ++i) {
    if (!is_error(s.parts[i].value)) continue;
    if (!first) first = &s.parts[i].value;
    if (failed++) slots += ", ";
    slots += std::to_string(s.parts[i].slot);
  }
  if (first) {
    std::string msg(str(*first));
    msg += " (failed in slot";
    msg += failed > 1 ? "s " : " ";
    msg += slots;
    msg += "; " + std::to_string(s.count - failed) + " of " + std::to_string(s.count) +
           " parts succeeded)";
    if (!a->set_error(out, first->error_kind, msg)) oom(out);
    return;
  }
  switch (s.policy) {
    case ResponsePolicy::kAggSum: {
      int64_t sum = 0;
      for (uint32_t i = 0; i < s.count; ++i) {
        if (s.parts[i].value.type != GLIDE_VALUE_INTEGER)
          return type_error(a, out, "summing parts");
        if (__builtin_add_overflow(sum, s.parts[i].value.u.integer, &sum))
          return overflow_error(a, out);
      }
      Arena::set_integer(out, sum);
      return;
    }
    case ResponsePolicy::kAllSucceeded:
    case ResponsePolicy::kOneSucceeded:
      *out = s.parts[0].value;
      return;
    default: {  // MGET-like: scatter each part's values back to the original key positions
      glide_value *items = a->alloc_values(s.total_keys);
      if (!items && s.total_keys) return oom(out);
      for (uint32_t k = 0; k < s.total_keys; ++k) Arena::set_nil(&items[k]);
      for (uint32_t i = 0; i < s.count; ++i) {
        const Part &p = s.parts[i];
        if (!is_list(p.value) || p.value.u.aggregate.len != p.key_count)
          return type_error(a, out, "reassembling a multi-slot reply");
        for (uint32_t k = 0; k < p.key_count; ++k)
          items[p.key_index[k]] = p.value.u.aggregate.items[k];
      }
      out->type = GLIDE_VALUE_ARRAY;
      out->error_kind = GLIDE_OK;
      out->u.aggregate.items = items;
      out->u.aggregate.len = s.total_keys;
      return;
    }
  }
}

void concat(Arena *a, const Split &s, glide_value *out, bool unique) {
  size_t total = 0;
  for (uint32_t i = 0; i < s.count; ++i) {
    if (!is_list(s.parts[i].value)) return type_error(a, out, "combining arrays");
    total += s.parts[i].value.u.aggregate.len;
  }
  glide_value *items = a->alloc_values(total);
  if (!items && total) return oom(out);
  size_t n = 0;
  for (uint32_t i = 0; i < s.count; ++i) {
    const glide_value &v = s.parts[i].value;
    for (size_t k = 0; k < v.u.aggregate.len; ++k) {
      const glide_value &item = v.u.aggregate.items[k];
      bool dup = false;
      // Channel lists are short; a linear scan keeps this allocation-free.
      if (unique &&
          (item.type == GLIDE_VALUE_BULK_STRING || item.type == GLIDE_VALUE_SIMPLE_STRING))
        for (size_t j = 0; j < n && !dup; ++j)
          dup = items[j].type == item.type && str(items[j]) == str(item);
      if (!dup) items[n++] = item;
    }
  }
  out->type = GLIDE_VALUE_ARRAY;
  out->error_kind = GLIDE_OK;
  out->u.aggregate.items = items;
  out->u.aggregate.len = n;
}

// Maps (or RESP2 flat [k, v, ...] arrays) -> one MAP, integer values summed per key.
void combine_maps(Arena *a, const Split &s, glide_value *out) {
  size_t total = 0;
  for (uint32_t i = 0; i < s.count; ++i) {
    const glide_value &v = s.parts[i].value;
    if (v.type == GLIDE_VALUE_MAP)
      total += v.u.aggregate.len;
    else if (v.type == GLIDE_VALUE_ARRAY && v.u.aggregate.len % 2 == 0)
      total += v.u.aggregate.len / 2;
    else
      return type_error(a, out, "combining maps");
  }
  glide_value *items = a->alloc_values(total * 2);
  if (!items && total) return oom(out);
  size_t pairs = 0;
  for (uint32_t i = 0; i < s.count; ++i) {
    const glide_value &v = s.parts[i].value;
    const size_t np = v.type == GLIDE_VALUE_MAP ? v.u.aggregate.len : v.u.aggregate.len / 2;
    for (size_t k = 0; k < np; ++k) {
      const glide_value &key = v.u.aggregate.items[2 * k];
      const glide_value &val = v.u.aggregate.items[2 * k + 1];
      size_t j = 0;
      for (; j < pairs; ++j)
        if (str(items[2 * j]) == str(key)) break;
      if (j == pairs) {
        items[2 * pairs] = key;
        items[2 * pairs + 1] = val;
        ++pairs;
      } else if (items[2 * j + 1].type == GLIDE_VALUE_INTEGER && val.type == GLIDE_VALUE_INTEGER) {
        int64_t &acc = items[2 * j + 1].u.integer;
        if (__builtin_add_overflow(acc, val.u.integer, &acc)) return overflow_error(a, out);
      }
    }
  }
  out->type = GLIDE_VALUE_MAP;
  out->error_kind = GLIDE_OK;
  out->u.aggregate.items = items;
  out->u.aggregate.len = pairs;
}

void per_node(Arena *a, const Split &s, glide_value *out) {
  glide_value *items = a->alloc_values(size_t{s.count} * 2);
  if (!items) return oom(out);
  for (uint32_t i = 0; i < s.count; ++i) {
    const std::string_view name = s.parts[i].node_name;
    if (!a->set_string(&items[2 * i], GLIDE_VALUE_BULK_STRING, name)) return oom(out);
    items[2 * i + 1] = s.parts[i].value;
  }
  out->type = GLIDE_VALUE_MAP;
  out->error_kind = GLIDE_OK;
  out->u.aggregate.items = items;
  out->u.aggregate.len = s.count;
}

void logical(Arena *a, const Split &s, glide_value *out, bool is_and) {
  const glide_value &first = s.parts[0].value;
  if (!is_list(first)) return type_error(a, out, "combining boolean arrays");
  const size_t len = first.u.aggregate.len;
  glide_value *items = a->alloc_values(len);
  if (!items && len) return oom(out);
  for (size_t k = 0; k < len; ++k) {
    bool acc = is_and;
    for (uint32_t i = 0; i < s.count; ++i) {
      const glide_value &v = s.parts[i].value;
      if (!is_list(v) || v.u.aggregate.len != len)
        return type_error(a, out, "combining boolean arrays");
      const glide_value &e = v.u.aggregate.items[k];
      const bool b = e.type == GLIDE_VALUE_BOOLEAN ? e.u.boolean : e.u.integer != 0;
      acc = is_and ? (acc && b) : (acc || b);
    }
    items[k] = first.u.aggregate.items[k];
    if (items[k].type == GLIDE_VALUE_BOOLEAN)
      items[k].u.boolean = acc;
    else
      Arena::set_integer(&items[k], acc ? 1 : 0);
  }
  out->type = GLIDE_VALUE_ARRAY;
  out->error_kind = GLIDE_OK;
  out->u.aggregate.items = items;
  out->u.aggregate.len = len;
}

void numeric(Arena *a, const Split &s, glide_value *out, ResponsePolicy p) {
  int64_t acc = 0;
  for (uint32_t i = 0; i < s.count; ++i) {
    const glide_value &v = s.parts[i].value;
    if (v.type != GLIDE_VALUE_INTEGER) return type_error(a, out, "combining integers");
    if (i == 0)
      acc = v.u.integer;
    else if (p == ResponsePolicy::kAggSum) {
      if (__builtin_add_overflow(acc, v.u.integer, &acc)) return overflow_error(a, out);
    } else if (p == ResponsePolicy::kAggMin)
      acc = std::min(acc, v.u.integer);
    else
      acc = std::max(acc, v.u.integer);
  }
  Arena::set_integer(out, acc);
}
}  // namespace

void aggregate(Arena *a, const Split &s, glide_value *out) {
  if (s.multi_slot) return combine_split(a, s, out);
  const glide_value *err = first_error(s);
  switch (s.policy) {
    case ResponsePolicy::kOneSucceeded:
      for (uint32_t i = 0; i < s.count; ++i)
        if (!is_error(s.parts[i].value)) {
          *out = s.parts[i].value;
          return;
        }
      *out = *err;
      return;
    case ResponsePolicy::kFirstNonEmpty:
      for (uint32_t i = 0; i < s.count; ++i)
        if (!is_error(s.parts[i].value) && s.parts[i].value.type != GLIDE_VALUE_NIL) {
          *out = s.parts[i].value;
          return;
        }
      if (err &&
          std::all_of(s.parts, s.parts + s.count, [](const Part &p) { return is_error(p.value); }))
        *out = *err;
      else
        Arena::set_nil(out);
      return;
    default:
      break;
  }
  if (err && s.policy != ResponsePolicy::kPerNode && s.policy != ResponsePolicy::kSpecial) {
    *out = *err;
    return;
  }
  switch (s.policy) {
    case ResponsePolicy::kAllSucceeded:
      *out = s.parts[0].value;
      return;
    case ResponsePolicy::kAggSum:
    case ResponsePolicy::kAggMin:
    case ResponsePolicy::kAggMax:
      return numeric(a, s, out, s.policy);
    case ResponsePolicy::kAggLogicalAnd:
    case ResponsePolicy::kAggLogicalOr:
      return logical(a, s, out, s.policy == ResponsePolicy::kAggLogicalAnd);
    case ResponsePolicy::kCombineArrays:
      return concat(a, s, out, false);
    case ResponsePolicy::kCombineArraysUnique:
      return concat(a, s, out, true);
    case ResponsePolicy::kCombineMaps:
      return combine_maps(a, s, out);
    case ResponsePolicy::kPerNode:
    case ResponsePolicy::kSpecial:
      return per_node(a, s, out);
    default:
      // No policy: arrays are concatenated, anything else is shown per node.
      if (std::all_of(s.parts, s.parts + s.count, [](const Part &p) { return is_list(p.value); }))
        return concat(a, s, out, false);
      return per_node(a, s, out);
  }
}

}  // namespace glide
