#include "exec/request.h"

#include <cstring>
#include <new>
#include <string>

#include "exec/aggregate.h"
#include "value/oom.h"
#include "value/types.h"

namespace glide {
namespace {

void oom_value(glide_value *v) { *v = *oom_root(); }

void set_error(Arena *a, glide_value *v, glide_error_kind kind, std::string_view message) {
  if (!a->set_error(v, kind, message)) oom_value(v);
}

}  // namespace

// Shapes a typed helper's reply like the Python ClusterBatch documents it.
void request_apply_transform(Transform t, glide_value *v) {
  switch (t) {
    case Transform::kIntToBool:
      if (v->type == GLIDE_VALUE_INTEGER) {
        const bool b = v->u.integer != 0;
        v->type = GLIDE_VALUE_BOOLEAN;
        v->u.boolean = b;
      }
      break;
    case Transform::kPairsToMap:
      if (v->type == GLIDE_VALUE_ARRAY && v->u.aggregate.len % 2 == 0) {
        v->type = GLIDE_VALUE_MAP;
        v->u.aggregate.len /= 2;
      }
      break;
    case Transform::kNone:
      break;
  }
}

namespace {

void element_done(Request *req, uint32_t index) {
  req->mark_answered(index);
  request_apply_transform(req->batch->commands[index].transform, &req->results[index]);
  --req->unanswered;
  if (req->unanswered == 0) req->owner->maybe_complete(req);
}

}  // namespace

RequestPool::~RequestPool() {
  while (free_) {
    Request *r = free_;
    free_ = r->pool_next;
    delete r;
  }
}

Request *RequestPool::get() noexcept {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (Request *r = free_) {
      free_ = r->pool_next;
      --count_;
      r->pool_next = nullptr;
      return r;
    }
  }
  auto *r = new (std::nothrow) Request();
  if (r) r->pool = this;
  return r;
}

void RequestPool::put(Request *req) noexcept {
  bool keep_it = req->owned.buffer.capacity() <= kMaxKeptBytes &&
                 req->owned.commands.capacity() <= kMaxKeptCommands;
  if (keep_it) {
    std::lock_guard<std::mutex> lock(mu_);
    keep_it = count_ < kMaxPooled;
  }
  if (!keep_it) {
    delete req;
    return;
  }
  // Rebuilt in place: every field back to its default, the buffers' capacity kept (moving a
  // string or vector never allocates, nor does a default-constructed Request).
  Batch kept = std::move(req->owned);
  std::vector<Request::Retry> retries = std::move(req->retries);
  kept.clear();
  kept.atomic = false;
  retries.clear();
  req->~Request();
  new (req) Request();
  req->owned = std::move(kept);
  req->retries = std::move(retries);
  req->pool = this;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (count_ < kMaxPooled) {
      req->pool_next = free_;
      free_ = req;
      ++count_;
      return;
    }
  }
  delete req;  // the list filled up meanwhile (another thread's put)
}

size_t RequestPool::pooled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return count_;
}

glide_value *request_slot(Request *req, uint32_t index, uint16_t part) {
  if (index == kExecIndex) return &req->exec_reply;
  if (part != kNoPart) return &req->splits[index]->parts[part].value;
  return &req->results[index];
}

void request_take_exec_reply(Request *req) {
  // The transaction's answer: one array for the whole batch (or nil / an error).
  glide_value &r = req->exec_reply;
  if ((r.type == GLIDE_VALUE_ARRAY || r.type == GLIDE_VALUE_SET) &&
      r.u.aggregate.len == req->count) {
    req->results = r.u.aggregate.items;
    for (uint32_t i = 0; i < req->count; ++i)
      request_apply_transform(req->batch->commands[i].transform, &req->results[i]);
  } else if (r.type == GLIDE_VALUE_ARRAY) {
    set_error(req->arena, &r, GLIDE_ERR_PROTOCOL,
              "EXEC returned " + std::to_string(r.u.aggregate.len) + " replies for " +
                  std::to_string(req->count) + " commands");
  }
}

void request_reply_done(Request *req, uint32_t index, uint16_t part) {
  if (index == kExecIndex) {
    request_take_exec_reply(req);
    req->exec_answered = true;
    req->unanswered = 0;
    req->owner->maybe_complete(req);
    return;
  }
  if (part == kNoPart) {
    element_done(req, index);
    return;
  }
  Split *s = req->splits[index];
  if (--s->remaining == 0) {
    aggregate(req->arena, *s, &req->results[index]);
    element_done(req, index);
  }
}

void request_set_error(Request *req, uint32_t index, uint16_t part, glide_error_kind kind,
                       std::string_view message) {
  glide_value *slot = request_slot(req, index, part);
  set_error(req->arena, slot, kind, message);
  request_reply_done(req, index, part);
}

void request_fail_unanswered(Request *req, glide_error_kind kind, std::string_view message) {
  if (req->atomic) {
    if (!req->exec_answered) set_error(req->arena, &req->exec_reply, kind, message);
    req->exec_answered = true;
    req->unanswered = 0;
    return;
  }
  for (uint32_t i = 0; i < req->count; ++i) {
    if (req->is_answered(i)) continue;
    set_error(req->arena, &req->results[i], kind, message);
    req->mark_answered(i);
    --req->unanswered;
  }
}

glide_value *request_build_root(Request *req) {
  Arena *a = req->arena;
  req->arena = nullptr;
  glide_value *root = a->root();
  if (req->atomic) {
    const glide_value &r = req->exec_reply;
    if (r.type == GLIDE_VALUE_NIL) {
      Arena::set_nil(root);  // a WATCHed key changed: the transaction did not run
      return root;
    }
    if (r.type == GLIDE_VALUE_ERROR) {
      if (value::is_error_with(r, "EXECABORT")) {
        std::string msg(r.u.string.ptr, r.u.string.len);
        if (req->has_queue_error) {
          msg += " First error: ";
          msg.append(req->queue_error.u.string.ptr, req->queue_error.u.string.len);
        }
        set_error(a, root, GLIDE_ERR_EXEC_ABORT, msg);
      } else {
        *root = r;
      }
      return root;
    }
  }
  if (req->raise_on_error) {
    for (uint32_t i = 0; i < req->count; ++i)
      if (req->results[i].type == GLIDE_VALUE_ERROR) {
        *root = req->results[i];
        return root;
      }
  }
  if (req->single) {
    *root = req->results[0];
    return root;
  }
  root->type = GLIDE_VALUE_ARRAY;
  root->error_kind = GLIDE_OK;
  root->u.aggregate.items = req->results;
  root->u.aggregate.len = req->count;
  return root;
}

}  // namespace glide
