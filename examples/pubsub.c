/*
 * pubsub.c - pub/sub with glide-c: one client subscribes (an exact channel and a sharded one,
 * from its config), another publishes to both through one non-atomic ClusterBatch, like Valkey
 * GLIDE's Python
 *
 *     batch = ClusterBatch(is_atomic=False)
 *     batch.publish("hello", "news")                 # PUBLISH news hello
 *     batch.publish("hi", "shard-news", sharded=True)  # SPUBLISH, routed by the channel's slot
 *     await client.exec(batch, False)                # -> [receivers, receivers]
 *
 * The subscriber's messages arrive on the library's I/O thread (the default callback mode).
 *
 * Usage: pubsub [HOST [PORT]]   (default 127.0.0.1 7100; any node of the cluster)
 * Exit status 0 when both messages arrived.
 */
#include <glide_c.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static atomic_int received;

static void on_message(void *user_data, const glide_pubsub_message *m) {
  (void)user_data;
  /* valid during the call only: copy what you keep */
  printf("%s message on %.*s: %.*s\n", m->kind == GLIDE_PUBSUB_SHARDED ? "sharded" : "exact",
         (int)m->channel_len, m->channel, (int)m->payload_len, m->payload);
  atomic_fetch_add(&received, 1);
}

static glide_client *connect_to(const char *host, uint16_t port, bool subscriber) {
  glide_config *cfg = glide_config_new();
  if (!cfg || glide_config_add_address(cfg, host, port) != GLIDE_OK) return NULL;
  if (subscriber) {
    glide_config_set_pubsub_callback(cfg, on_message, NULL);
    glide_config_subscribe(cfg, GLIDE_PUBSUB_EXACT, "news", 4);
    glide_config_subscribe(cfg, GLIDE_PUBSUB_SHARDED, "shard-news", 10);
  }
  glide_client *c = NULL;
  char *err = NULL;
  /* a subscriber's glide_client_new returns once the server confirmed its subscriptions */
  const glide_status st = glide_client_new(cfg, &c, &err);
  glide_config_free(cfg);
  if (st != GLIDE_OK) {
    fprintf(stderr, "connect: %s: %s\n", glide_error_kind_name(st), err ? err : "");
    glide_string_free(err);
  }
  return c;
}

int main(int argc, char **argv) {
  const char *host = argc > 1 ? argv[1] : "127.0.0.1";
  const uint16_t port = (uint16_t)(argc > 2 ? atoi(argv[2]) : 7100);
  glide_client *sub = connect_to(host, port, true);
  glide_client *pub = sub ? connect_to(host, port, false) : NULL;
  if (!pub) {
    glide_client_close(sub);
    return 1;
  }
  glide_batch *batch = glide_batch_new(false);
  glide_batch_publish(batch, "hello", 5, "news", 4, false);
  glide_batch_publish(batch, "hi", 2, "shard-news", 10, true);
  glide_value *result = glide_client_exec(pub, batch, false, NULL);
  if (glide_value_get_type(result) == GLIDE_VALUE_ARRAY)
    printf("publish -> %lld receiver(s) on its node, spublish -> %lld\n",
           (long long)glide_value_integer(glide_value_at(result, 0)),
           (long long)glide_value_integer(glide_value_at(result, 1)));
  glide_value_free(result);
  glide_batch_free(batch);

  for (int i = 0; i < 300 && atomic_load(&received) < 2; i++) {
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  const int got = atomic_load(&received);
  glide_client_close(pub);
  glide_client_close(sub);
  return got == 2 ? 0 : 1;
}
