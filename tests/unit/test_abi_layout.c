/* The public structs' layout and the public enums' values, pinned: every language binding
 * (bindings/go, bindings/python, and the Rust and Java ones) mirrors them by hand, so a change here
 * breaks them all silently. Within a major version a struct only grows at its end (struct_size
 * structs) and an enum only gets new values at its end; anything else is an ABI break.
 *
 * Each check is written once in the tables below and evaluated twice: at compile time with
 * _Static_assert (the build fails, naming the check) and at run time, so a failure also shows up
 * as a named ctest test with every mismatch listed. Sizes and offsets are those of x86-64 (LP64,
 * System V); elsewhere only the enum values are checked. */
#include <glide_c.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* X(expression, expected value): the enums' values (any platform). */
#define GLIDE_ENUM_VALUES(X)           \
  X(sizeof(glide_error_kind), 4)       \
  X(GLIDE_OK, 0)                       \
  X(GLIDE_ERR_INVALID_ARGUMENT, 1)     \
  X(GLIDE_ERR_CONNECTION, 2)           \
  X(GLIDE_ERR_TIMEOUT, 3)              \
  X(GLIDE_ERR_SERVER, 4)               \
  X(GLIDE_ERR_EXEC_ABORT, 5)           \
  X(GLIDE_ERR_CROSSSLOT, 6)            \
  X(GLIDE_ERR_CLOSING, 7)              \
  X(GLIDE_ERR_TLS, 8)                  \
  X(GLIDE_ERR_AUTH, 9)                 \
  X(GLIDE_ERR_PROTOCOL, 10)            \
  X(GLIDE_ERR_OUT_OF_MEMORY, 11)       \
  X(GLIDE_ERR_NOT_SUPPORTED, 12)       \
  X(GLIDE_ERR_INFLIGHT_LIMIT, 13)      \
  X(sizeof(glide_status), 4)           \
  X(sizeof(glide_value_type), 4)       \
  X(GLIDE_VALUE_NIL, 0)                \
  X(GLIDE_VALUE_SIMPLE_STRING, 1)      \
  X(GLIDE_VALUE_BULK_STRING, 2)        \
  X(GLIDE_VALUE_VERBATIM_STRING, 3)    \
  X(GLIDE_VALUE_INTEGER, 4)            \
  X(GLIDE_VALUE_DOUBLE, 5)             \
  X(GLIDE_VALUE_BOOLEAN, 6)            \
  X(GLIDE_VALUE_BIG_NUMBER, 7)         \
  X(GLIDE_VALUE_ARRAY, 8)              \
  X(GLIDE_VALUE_MAP, 9)                \
  X(GLIDE_VALUE_SET, 10)               \
  X(GLIDE_VALUE_PUSH, 11)              \
  X(GLIDE_VALUE_ERROR, 12)             \
  X(sizeof(glide_read_from), 4)        \
  X(GLIDE_READ_FROM_PRIMARY, 0)        \
  X(GLIDE_READ_FROM_PREFER_REPLICA, 1) \
  X(sizeof(glide_callback_mode), 4)    \
  X(GLIDE_CALLBACKS_ON_IO_THREAD, 0)   \
  X(GLIDE_CALLBACKS_DISPATCHED, 1)     \
  X(sizeof(glide_pubsub_kind), 4)      \
  X(GLIDE_PUBSUB_EXACT, 0)             \
  X(GLIDE_PUBSUB_PATTERN, 1)           \
  X(GLIDE_PUBSUB_SHARDED, 2)           \
  X(sizeof(glide_route_kind), 4)       \
  X(GLIDE_ROUTE_NONE, 0)               \
  X(GLIDE_ROUTE_RANDOM, 1)             \
  X(GLIDE_ROUTE_SLOT_KEY, 2)           \
  X(GLIDE_ROUTE_SLOT_ID, 3)            \
  X(GLIDE_ROUTE_ADDRESS, 4)            \
  X(sizeof(glide_log_level), 4)        \
  X(GLIDE_LOG_ERROR, 0)                \
  X(GLIDE_LOG_WARN, 1)                 \
  X(GLIDE_LOG_INFO, 2)                 \
  X(GLIDE_LOG_DEBUG, 3)                \
  X(GLIDE_LOG_TRACE, 4)                \
  X(GLIDE_C_VERSION_NUMBER >> 16, GLIDE_C_VERSION_MAJOR)

#define MEMBER_SIZE(type, member) sizeof(((type *)0)->member)

/* X(expression, expected value): sizeof, _Alignof and offsetof of every public struct on x86-64. */
#define GLIDE_STRUCT_LAYOUT(X)                                 \
  X(sizeof(glide_allocator), 40)                               \
  X(_Alignof(glide_allocator), 8)                              \
  X(offsetof(glide_allocator, malloc_fn), 0)                   \
  X(offsetof(glide_allocator, calloc_fn), 8)                   \
  X(offsetof(glide_allocator, realloc_fn), 16)                 \
  X(offsetof(glide_allocator, free_fn), 24)                    \
  X(offsetof(glide_allocator, user_data), 32)                  \
                                                               \
  X(sizeof(glide_value), 24)                                   \
  X(_Alignof(glide_value), 8)                                  \
  X(offsetof(glide_value, type), 0)                            \
  X(offsetof(glide_value, error_kind), 4)                      \
  X(offsetof(glide_value, verbatim_format), 4)                 \
  X(MEMBER_SIZE(glide_value, verbatim_format), 4)              \
  X(offsetof(glide_value, u), 8)                               \
  X(MEMBER_SIZE(glide_value, u), 16)                           \
  X(offsetof(glide_value, u.integer), 8)                       \
  X(MEMBER_SIZE(glide_value, u.integer), 8)                    \
  X(offsetof(glide_value, u.dbl), 8)                           \
  X(MEMBER_SIZE(glide_value, u.dbl), 8)                        \
  X(offsetof(glide_value, u.boolean), 8)                       \
  X(MEMBER_SIZE(glide_value, u.boolean), 1)                    \
  X(offsetof(glide_value, u.string.ptr), 8)                    \
  X(offsetof(glide_value, u.string.len), 16)                   \
  X(offsetof(glide_value, u.aggregate.items), 8)               \
  X(offsetof(glide_value, u.aggregate.len), 16)                \
                                                               \
  X(sizeof(glide_pubsub_message), 56)                          \
  X(_Alignof(glide_pubsub_message), 8)                         \
  X(offsetof(glide_pubsub_message, kind), 0)                   \
  X(offsetof(glide_pubsub_message, channel), 8)                \
  X(offsetof(glide_pubsub_message, channel_len), 16)           \
  X(offsetof(glide_pubsub_message, pattern), 24)               \
  X(offsetof(glide_pubsub_message, pattern_len), 32)           \
  X(offsetof(glide_pubsub_message, payload), 40)               \
  X(offsetof(glide_pubsub_message, payload_len), 48)           \
                                                               \
  X(sizeof(glide_route), 48)                                   \
  X(_Alignof(glide_route), 8)                                  \
  X(offsetof(glide_route, kind), 0)                            \
  X(offsetof(glide_route, replica), 4)                         \
  X(MEMBER_SIZE(glide_route, replica), 1)                      \
  X(offsetof(glide_route, key), 8)                             \
  X(offsetof(glide_route, key_len), 16)                        \
  X(offsetof(glide_route, slot), 24)                           \
  X(MEMBER_SIZE(glide_route, slot), 2)                         \
  X(offsetof(glide_route, host), 32)                           \
  X(offsetof(glide_route, port), 40)                           \
  X(MEMBER_SIZE(glide_route, port), 2)                         \
                                                               \
  X(sizeof(glide_batch_options), 64)                           \
  X(_Alignof(glide_batch_options), 8)                          \
  X(offsetof(glide_batch_options, struct_size), 0)             \
  X(offsetof(glide_batch_options, timeout_ms), 8)              \
  X(MEMBER_SIZE(glide_batch_options, timeout_ms), 4)           \
  X(offsetof(glide_batch_options, retry_server_error), 12)     \
  X(offsetof(glide_batch_options, retry_connection_error), 13) \
  X(offsetof(glide_batch_options, route), 16)                  \
  X(offsetof(glide_batch_options, route.kind), 16)             \
  X(offsetof(glide_batch_options, route.port), 56)             \
                                                               \
  X(sizeof(glide_stats), 120)                                  \
  X(_Alignof(glide_stats), 8)                                  \
  X(offsetof(glide_stats, struct_size), 0)                     \
  X(offsetof(glide_stats, commands_sent), 8)                   \
  X(offsetof(glide_stats, replies_received), 16)               \
  X(offsetof(glide_stats, requests_completed), 24)             \
  X(offsetof(glide_stats, moved_redirects), 32)                \
  X(offsetof(glide_stats, ask_redirects), 40)                  \
  X(offsetof(glide_stats, retries), 48)                        \
  X(offsetof(glide_stats, reconnects), 56)                     \
  X(offsetof(glide_stats, timeouts), 64)                       \
  X(offsetof(glide_stats, topology_refreshes), 72)             \
  X(offsetof(glide_stats, pubsub_messages), 80)                \
  X(offsetof(glide_stats, inflight_requests), 88)              \
  X(offsetof(glide_stats, connected_nodes), 96)                \
  X(offsetof(glide_stats, pubsub_dropped), 104)                \
  X(offsetof(glide_stats, caller_side_requests), 112)          \
                                                               \
  X(sizeof(glide_result_callback), 8)                          \
  X(sizeof(glide_pubsub_callback), 8)                          \
  X(sizeof(glide_log_callback), 8)

#define STATIC_CHECK(expr, value) _Static_assert((expr) == (value), #expr " == " #value);
GLIDE_ENUM_VALUES(STATIC_CHECK)
#if defined(__x86_64__)
GLIDE_STRUCT_LAYOUT(STATIC_CHECK)
#endif

static int mismatches;
static int checks;
static void check(const char *expr, long long got, long long want) {
  checks++;
  if (got != want) {
    printf("layout mismatch: %s is %lld, pinned %lld\n", expr, got, want);
    mismatches++;
  }
}
#define RUN_CHECK(expr, value) check(#expr, (long long)(expr), (long long)(value));

static void test_enum_values(void **state) {
  (void)state;
  mismatches = checks = 0;
  GLIDE_ENUM_VALUES(RUN_CHECK)
  printf("%d enum checks\n", checks);
  assert_int_equal(mismatches, 0);
}

static void test_struct_layout_x86_64(void **state) {
  (void)state;
#if defined(__x86_64__)
  mismatches = checks = 0;
  GLIDE_STRUCT_LAYOUT(RUN_CHECK)
  printf("%d layout checks\n", checks);
  assert_int_equal(mismatches, 0);
#else
  skip();
#endif
}

/* glide_batch_options_init fills in struct_size with the size this header knows, and the
 * defaults (no route, the client's timeout, no retries). */
static void test_batch_options_init(void **state) {
  (void)state;
  glide_batch_options options;
  memset(&options, 0xAB, sizeof options);
  glide_batch_options_init(&options);
  assert_int_equal(options.struct_size, sizeof(glide_batch_options));
  assert_int_equal(options.timeout_ms, 0);
  assert_false(options.retry_server_error);
  assert_false(options.retry_connection_error);
  assert_int_equal(options.route.kind, GLIDE_ROUTE_NONE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_enum_values),
      cmocka_unit_test(test_struct_layout_x86_64),
      cmocka_unit_test(test_batch_options_init),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
