// udp_batch: a UDP socket for Node.js that receives with recvmmsg and sends with sendmmsg, one JS call per batch.
//
// The socket is watched with a libuv poll handle on the Node.js event loop (level-triggered). On readable it reads
// up to `batch` datagrams per recvmmsg into one shared input buffer (slot i at i * slot_size) and fills per-packet
// metadata (length, port, family, flags) and peer addresses into typed arrays owned by JS, then calls the JS
// callback once with the count. The callback writes its answers into one shared output buffer, describes them in
// an Int32Array (packet index, offset, length) and returns how many; they go out with sendmmsg to the peers of
// those packets. A send that would block (EAGAIN) is copied into a bounded queue, flushed when the socket is
// writable (never busy-polled); a full queue drops datagrams and counts them. Linux only (recvmmsg/sendmmsg).
#include <node_api.h>
#include <uv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_BATCH 1024
/** recvmmsg rounds per readable event: the loop gets back control (timers, TCP, IPC) at least this often. */
#define MAX_READ_ROUNDS 8
/** Retries of a system call interrupted by a signal before giving up on this event. */
#define MAX_EINTR 4

/** Per-packet input metadata (Int32Array, IN_META_FIELDS per packet). */
enum { IN_LENGTH = 0, IN_PORT = 1, IN_FAMILY = 2, IN_FLAGS = 3, IN_META_FIELDS = 4 };
/** Input flags. */
enum { IN_FLAG_TRUNCATED = 1 };
/** Per-response output metadata (Int32Array, OUT_META_FIELDS per response). */
enum { OUT_PACKET = 0, OUT_OFFSET = 1, OUT_LENGTH = 2, OUT_META_FIELDS = 3 };
/** Peer addresses: 16 octets per packet (IPv4 in the first 4). */
#define ADDR_SIZE 16

/** One datagram waiting for the socket to become writable. */
typedef struct {
  struct sockaddr_storage peer;
  socklen_t peer_len;
  uint32_t length;
  uint8_t* data;
} queued_t;

typedef struct {
  double received, sent, batches, truncated, queued, dropped, send_errors, recv_errors, invalid, callback_errors;
} stats_t;

typedef struct sock_s {
  napi_env env;
  int fd;
  uv_poll_t poll;
  int polling_events;  // events the poll handle watches now (0: stopped)
  int open;            // 1 until close()
  int poll_closed;     // the poll handle's close callback ran (or it was never started)
  int finalized;       // the JS object was collected
  int cleanup_hook;    // an env cleanup hook is registered
  napi_ref self;       // strong while open: an open socket is not collected
  napi_ref callback;
  napi_ref refs[5];    // the five shared arrays, kept alive while open
  napi_async_context async;
  uint32_t batch, slot_size;
  uint8_t* in;
  int32_t* in_meta;
  uint8_t* addrs;
  uint8_t* out;
  size_t out_size;
  int32_t* out_meta;
  struct mmsghdr* rmsgs;
  struct iovec* riov;
  struct sockaddr_storage* peers;
  struct mmsghdr* smsgs;
  struct iovec* siov;
  queued_t* queue;  // ring buffer of max_queue entries
  uint32_t max_queue, q_head, q_len;
  uint32_t inject_eagain;  // tests: the next N sendmmsg calls fail with EAGAIN without sending
  stats_t stats;
} sock_t;

static void on_poll(uv_poll_t* handle, int status, int events);

static void free_sock(sock_t* s) {
  free(s->rmsgs);
  free(s->riov);
  free(s->peers);
  free(s->smsgs);
  free(s->siov);
  if (s->queue != NULL) {
    for (uint32_t i = 0; i < s->q_len; i++) free(s->queue[(s->q_head + i) % s->max_queue].data);
    free(s->queue);
  }
  free(s);
}

static void on_poll_closed(uv_handle_t* handle) {
  sock_t* s = (sock_t*)handle->data;
  s->poll_closed = 1;
  if (s->finalized) free_sock(s);
}

/** Stops polling and closes the descriptor at once (the port is free when this returns). No N-API calls. */
static void shutdown_io(sock_t* s) {
  if (!s->open) return;
  s->open = 0;
  uv_poll_stop(&s->poll);  // removes the fd from epoll, so closing it now is safe
  close(s->fd);
  s->fd = -1;
  for (uint32_t i = 0; i < s->q_len; i++) free(s->queue[(s->q_head + i) % s->max_queue].data);
  s->q_len = 0;
  uv_close((uv_handle_t*)&s->poll, on_poll_closed);
}

static void cleanup_hook(void* arg) {
  sock_t* s = (sock_t*)arg;
  s->cleanup_hook = 0;
  shutdown_io(s);
}

static void finalize(napi_env env, void* data, void* hint) {
  sock_t* s = (sock_t*)data;
  s->finalized = 1;
  if (s->open) shutdown_io(s);  // environment teardown while open
  if (s->poll_closed) free_sock(s);
}

/** Throws an Error whose code is the errno name (EADDRINUSE …), like Node's own socket errors. */
static napi_value throw_errno(napi_env env, int err, const char* syscall) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s %s: %s", syscall, uv_err_name(-err), strerror(err));
  napi_throw_error(env, uv_err_name(-err), msg);
  return NULL;
}

static void set_poll(sock_t* s, int events) {
  if (!s->open || s->polling_events == events) return;
  s->polling_events = events;
  uv_poll_start(&s->poll, events, on_poll);
}

/** Copies a datagram into the send queue; false (dropped, counted) when the queue is full or memory is short. */
static int enqueue(sock_t* s, const struct sockaddr_storage* peer, socklen_t peer_len, const uint8_t* data, uint32_t length) {
  if (s->q_len >= s->max_queue) {
    s->stats.dropped++;
    return 0;
  }
  uint8_t* copy = malloc(length > 0 ? length : 1);
  if (copy == NULL) {
    s->stats.dropped++;
    return 0;
  }
  memcpy(copy, data, length);
  queued_t* q = &s->queue[(s->q_head + s->q_len) % s->max_queue];
  memcpy(&q->peer, peer, peer_len);
  q->peer_len = peer_len;
  q->length = length;
  q->data = copy;
  s->q_len++;
  s->stats.queued++;
  return 1;
}

/** sendmmsg, or a simulated EAGAIN while the test hook asks for one. */
static int send_batch(sock_t* s, struct mmsghdr* msgs, unsigned int n) {
  if (s->inject_eagain > 0) {
    s->inject_eagain--;
    errno = EAGAIN;
    return -1;
  }
  return sendmmsg(s->fd, msgs, n, MSG_DONTWAIT);
}

/**
 * Sends `n` prepared messages. Returns how many were handled (sent, or skipped after a hard error such as
 * EMSGSIZE); stops early at EAGAIN, leaving the rest to the caller.
 */
static unsigned int send_prepared(sock_t* s, struct mmsghdr* msgs, unsigned int n, int* would_block) {
  unsigned int done = 0;
  int eintr = 0;
  *would_block = 0;
  while (done < n) {  // every pass advances `done`, or stops, or counts an EINTR (bounded)
    int r = send_batch(s, msgs + done, n - done);
    if (r > 0) {
      done += (unsigned int)r;
      s->stats.sent += r;
      continue;
    }
    if (r < 0 && errno == EINTR && ++eintr <= MAX_EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      *would_block = 1;
      break;
    }
    s->stats.send_errors++;  // this message cannot be sent (ENOBUFS, EMSGSIZE, unreachable …): a lost datagram
    done++;
  }
  return done;
}

/** Sends queued datagrams while the socket takes them; stops watching for writable once the queue is empty. */
static void flush_queue(sock_t* s) {
  int would_block = 0;
  while (s->open && s->q_len > 0 && !would_block) {  // each pass removes at least one entry or stops
    unsigned int n = s->q_len < s->batch ? s->q_len : s->batch;
    for (unsigned int i = 0; i < n; i++) {
      queued_t* q = &s->queue[(s->q_head + i) % s->max_queue];
      s->siov[i].iov_base = q->data;
      s->siov[i].iov_len = q->length;
      memset(&s->smsgs[i].msg_hdr, 0, sizeof(struct msghdr));
      s->smsgs[i].msg_hdr.msg_name = &q->peer;
      s->smsgs[i].msg_hdr.msg_namelen = q->peer_len;
      s->smsgs[i].msg_hdr.msg_iov = &s->siov[i];
      s->smsgs[i].msg_hdr.msg_iovlen = 1;
    }
    unsigned int done = send_prepared(s, s->smsgs, n, &would_block);
    for (unsigned int i = 0; i < done; i++) {
      free(s->queue[s->q_head].data);
      s->queue[s->q_head].data = NULL;
      s->q_head = (s->q_head + 1) % s->max_queue;
      s->q_len--;
    }
  }
  if (s->open) set_poll(s, s->q_len > 0 ? UV_READABLE | UV_WRITABLE : UV_READABLE);
}

/** Sends the `count` responses JS described in out_meta for the last batch of `received` packets. */
static void send_responses(sock_t* s, uint32_t count, uint32_t received) {
  unsigned int n = 0;
  for (uint32_t k = 0; k < count; k++) {
    const int32_t* m = s->out_meta + (size_t)k * OUT_META_FIELDS;
    int32_t packet = m[OUT_PACKET], offset = m[OUT_OFFSET], length = m[OUT_LENGTH];
    if (packet < 0 || (uint32_t)packet >= received || offset < 0 || length <= 0 || (size_t)offset + (size_t)length > s->out_size) {
      s->stats.invalid++;
      continue;
    }
    const struct mmsghdr* from = &s->rmsgs[packet];
    if (s->q_len > 0) {  // keep order behind what is already waiting
      enqueue(s, &s->peers[packet], from->msg_hdr.msg_namelen, s->out + offset, (uint32_t)length);
      continue;
    }
    s->siov[n].iov_base = s->out + offset;
    s->siov[n].iov_len = (size_t)length;
    memset(&s->smsgs[n].msg_hdr, 0, sizeof(struct msghdr));
    s->smsgs[n].msg_hdr.msg_name = &s->peers[packet];
    s->smsgs[n].msg_hdr.msg_namelen = from->msg_hdr.msg_namelen;
    s->smsgs[n].msg_hdr.msg_iov = &s->siov[n];
    s->smsgs[n].msg_hdr.msg_iovlen = 1;
    n++;
  }
  if (n == 0) {
    if (s->q_len > 0) set_poll(s, UV_READABLE | UV_WRITABLE);
    return;
  }
  int would_block = 0;
  unsigned int done = send_prepared(s, s->smsgs, n, &would_block);
  for (unsigned int i = done; i < n; i++) {
    const struct msghdr* h = &s->smsgs[i].msg_hdr;
    enqueue(s, (const struct sockaddr_storage*)h->msg_name, h->msg_namelen, h->msg_iov->iov_base, (uint32_t)h->msg_iov->iov_len);
  }
  if (s->q_len > 0) set_poll(s, UV_READABLE | UV_WRITABLE);
}

/** Fills the input metadata of packet i from what recvmmsg returned. */
static void describe_packet(sock_t* s, uint32_t i) {
  const struct mmsghdr* msg = &s->rmsgs[i];
  int32_t* m = s->in_meta + (size_t)i * IN_META_FIELDS;
  uint8_t* a = s->addrs + (size_t)i * ADDR_SIZE;
  const struct sockaddr_storage* peer = &s->peers[i];
  m[IN_LENGTH] = (int32_t)(msg->msg_len > s->slot_size ? s->slot_size : msg->msg_len);
  m[IN_FLAGS] = (msg->msg_hdr.msg_flags & MSG_TRUNC) ? IN_FLAG_TRUNCATED : 0;
  if (m[IN_FLAGS] & IN_FLAG_TRUNCATED) s->stats.truncated++;
  if (peer->ss_family == AF_INET6) {
    const struct sockaddr_in6* p6 = (const struct sockaddr_in6*)peer;
    m[IN_PORT] = ntohs(p6->sin6_port);
    m[IN_FAMILY] = 6;
    memcpy(a, &p6->sin6_addr, 16);
  } else {
    const struct sockaddr_in* p4 = (const struct sockaddr_in*)peer;
    m[IN_PORT] = ntohs(p4->sin_port);
    m[IN_FAMILY] = 4;
    memcpy(a, &p4->sin_addr, 4);
    memset(a + 4, 0, ADDR_SIZE - 4);
  }
}

/** Calls the JS callback with the batch size; returns the number of responses it wrote (0 on an exception). */
static uint32_t call_js(sock_t* s, uint32_t received) {
  napi_env env = s->env;
  napi_handle_scope scope;
  uint32_t count = 0;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return 0;
  napi_value fn, recv, arg, result;
  if (napi_get_reference_value(env, s->callback, &fn) == napi_ok && napi_get_reference_value(env, s->self, &recv) == napi_ok &&
      napi_create_uint32(env, received, &arg) == napi_ok) {
    napi_status st = napi_make_callback(env, s->async, recv, fn, 1, &arg, &result);
    if (st == napi_ok) {
      if (napi_get_value_uint32(env, result, &count) != napi_ok) count = 0;
      if (count > received) count = received;
    } else {
      // Like an exception in a dgram 'message' listener: hand it to process 'uncaughtException'.
      s->stats.callback_errors++;
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (pending) {
        napi_value err;
        napi_get_and_clear_last_exception(env, &err);
        napi_fatal_exception(env, err);
      }
      count = 0;
    }
  }
  napi_close_handle_scope(env, scope);
  return count;
}

/** Reads batches until the socket is drained, MAX_READ_ROUNDS is reached, or the socket was closed. */
static void read_batches(sock_t* s) {
  int eintr = 0;
  for (int round = 0; round < MAX_READ_ROUNDS && s->open; round++) {
    for (uint32_t i = 0; i < s->batch; i++) {
      s->rmsgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
      s->rmsgs[i].msg_hdr.msg_flags = 0;
      s->rmsgs[i].msg_len = 0;
    }
    int n = recvmmsg(s->fd, s->rmsgs, s->batch, MSG_DONTWAIT, NULL);
    if (n < 0) {
      if (errno == EINTR && ++eintr <= MAX_EINTR) {
        round--;
        continue;
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK) s->stats.recv_errors++;
      return;
    }
    if (n == 0) return;
    s->stats.received += n;
    s->stats.batches++;
    for (int i = 0; i < n; i++) describe_packet(s, (uint32_t)i);
    uint32_t count = call_js(s, (uint32_t)n);
    if (!s->open) return;  // closed by the callback
    if (count > 0) send_responses(s, count, (uint32_t)n);
    if ((uint32_t)n < s->batch) return;  // drained: skip the recvmmsg that would only say EAGAIN
  }
}

static void on_poll(uv_poll_t* handle, int status, int events) {
  sock_t* s = (sock_t*)handle->data;
  if (!s->open) return;
  if (status < 0) {
    s->stats.recv_errors++;
    return;
  }
  if (events & UV_WRITABLE) flush_queue(s);
  if (s->open && (events & UV_READABLE)) read_batches(s);
}

// ---- N-API glue ----

static int get_named_u32(napi_env env, napi_value obj, const char* key, uint32_t* out) {
  napi_value v;
  if (napi_get_named_property(env, obj, key, &v) != napi_ok) return 0;
  return napi_get_value_uint32(env, v, out) == napi_ok;
}

static int get_named_bool(napi_env env, napi_value obj, const char* key) {
  napi_value v;
  bool b = false;
  if (napi_get_named_property(env, obj, key, &v) != napi_ok) return 0;
  if (napi_get_value_bool(env, v, &b) != napi_ok) return 0;
  return b ? 1 : 0;
}

/** The data pointer and byte length of a typed array or Buffer argument of the expected element type. */
static int get_array(napi_env env, napi_value v, napi_typedarray_type want, void** data, size_t* bytes) {
  bool is_ta = false;
  napi_typedarray_type type;
  size_t length;
  napi_value ab;
  size_t offset;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return 0;
  if (napi_get_typedarray_info(env, v, &type, &length, data, &ab, &offset) != napi_ok || type != want) return 0;
  *bytes = length * (want == napi_int32_array ? 4 : 1);
  return 1;
}

/** Parses an IPv4 or IPv6 literal (IPv6 may carry a %scope) into `ss`. */
static int parse_address(const char* text, int family, struct sockaddr_storage* ss, socklen_t* len, uint16_t port) {
  memset(ss, 0, sizeof *ss);
  if (family == 4) {
    struct sockaddr_in* a = (struct sockaddr_in*)ss;
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    *len = sizeof *a;
    return inet_pton(AF_INET, text, &a->sin_addr) == 1;
  }
  struct sockaddr_in6* a = (struct sockaddr_in6*)ss;
  char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  snprintf(host, sizeof host, "%s", text);
  char* pct = strchr(host, '%');
  if (pct != NULL) {
    *pct = '\0';
    unsigned int idx = if_nametoindex(pct + 1);
    a->sin6_scope_id = idx != 0 ? idx : (unsigned int)strtoul(pct + 1, NULL, 10);
  }
  a->sin6_family = AF_INET6;
  a->sin6_port = htons(port);
  *len = sizeof *a;
  return inet_pton(AF_INET6, host, &a->sin6_addr) == 1;
}

/**
 * open(options, input, inputMeta, addresses, output, outputMeta, onBatch) → handle.
 * options: { family: 4|6, address, port, batch, slotSize, maxQueue, recvBufferBytes, reusePort }.
 */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7], self;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 7) {
    napi_throw_type_error(env, NULL, "open: 7 arguments expected");
    return NULL;
  }
  uint32_t family = 0, port = 0, batch = 0, slot = 0, max_queue = 0, rcvbuf = 0;
  char address[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  size_t alen = 0;
  napi_value addr_v;
  if (!get_named_u32(env, argv[0], "family", &family) || !get_named_u32(env, argv[0], "port", &port) ||
      !get_named_u32(env, argv[0], "batch", &batch) || !get_named_u32(env, argv[0], "slotSize", &slot) ||
      !get_named_u32(env, argv[0], "maxQueue", &max_queue) || !get_named_u32(env, argv[0], "recvBufferBytes", &rcvbuf) ||
      napi_get_named_property(env, argv[0], "address", &addr_v) != napi_ok ||
      napi_get_value_string_utf8(env, addr_v, address, sizeof address, &alen) != napi_ok) {
    napi_throw_type_error(env, NULL, "open: bad options");
    return NULL;
  }
  int reuse_port = get_named_bool(env, argv[0], "reusePort");
  if ((family != 4 && family != 6) || port > 65535 || batch == 0 || batch > MAX_BATCH || slot == 0 || slot > 65536 || max_queue == 0) {
    napi_throw_range_error(env, NULL, "open: option out of range");
    return NULL;
  }
  void *in, *in_meta, *addrs, *out, *out_meta;
  size_t in_bytes, in_meta_bytes, addrs_bytes, out_bytes, out_meta_bytes;
  if (!get_array(env, argv[1], napi_uint8_array, &in, &in_bytes) || !get_array(env, argv[2], napi_int32_array, &in_meta, &in_meta_bytes) ||
      !get_array(env, argv[3], napi_uint8_array, &addrs, &addrs_bytes) || !get_array(env, argv[4], napi_uint8_array, &out, &out_bytes) ||
      !get_array(env, argv[5], napi_int32_array, &out_meta, &out_meta_bytes)) {
    napi_throw_type_error(env, NULL, "open: input and output must be Uint8Array/Buffer, the metadata Int32Array");
    return NULL;
  }
  if (in_bytes < (size_t)batch * slot || in_meta_bytes < (size_t)batch * IN_META_FIELDS * 4 || addrs_bytes < (size_t)batch * ADDR_SIZE ||
      out_meta_bytes < (size_t)batch * OUT_META_FIELDS * 4 || out_bytes == 0) {
    napi_throw_range_error(env, NULL, "open: shared arrays too small for the batch");
    return NULL;
  }
  napi_valuetype cb_type;
  napi_typeof(env, argv[6], &cb_type);
  if (cb_type != napi_function) {
    napi_throw_type_error(env, NULL, "open: onBatch must be a function");
    return NULL;
  }
  struct sockaddr_storage ss;
  socklen_t ss_len;
  if (!parse_address(address, (int)family, &ss, &ss_len, (uint16_t)port)) {
    napi_throw_error(env, "EINVAL", "open: not an IP address of the given family");
    return NULL;
  }

  int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket");
  int one = 1, zero = 0;
  // Like Node's udp6 sockets: dual-stack ("::" also receives IPv4 as ::ffff:a.b.c.d).
  if (family == 6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) < 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, e, "setsockopt IPV6_V6ONLY");
  }
  if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, e, "setsockopt SO_REUSEPORT");
  }
  if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, e, "setsockopt SO_RCVBUF");
  }
  if (bind(fd, (struct sockaddr*)&ss, ss_len) < 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, e, "bind");
  }

  sock_t* s = calloc(1, sizeof(sock_t));
  if (s == NULL) {
    close(fd);
    return throw_errno(env, ENOMEM, "open");
  }
  s->env = env;
  s->fd = fd;
  s->batch = batch;
  s->slot_size = slot;
  s->max_queue = max_queue;
  s->in = in;
  s->in_meta = in_meta;
  s->addrs = addrs;
  s->out = out;
  s->out_size = out_bytes;
  s->out_meta = out_meta;
  s->rmsgs = calloc(batch, sizeof(struct mmsghdr));
  s->riov = calloc(batch, sizeof(struct iovec));
  s->peers = calloc(batch, sizeof(struct sockaddr_storage));
  s->smsgs = calloc(batch, sizeof(struct mmsghdr));
  s->siov = calloc(batch, sizeof(struct iovec));
  s->queue = calloc(max_queue, sizeof(queued_t));
  s->poll_closed = 1;  // until the handle is initialised
  if (s->rmsgs == NULL || s->riov == NULL || s->peers == NULL || s->smsgs == NULL || s->siov == NULL || s->queue == NULL) {
    close(fd);
    free_sock(s);
    return throw_errno(env, ENOMEM, "open");
  }
  for (uint32_t i = 0; i < batch; i++) {
    s->riov[i].iov_base = s->in + (size_t)i * slot;
    s->riov[i].iov_len = slot;
    s->rmsgs[i].msg_hdr.msg_name = &s->peers[i];
    s->rmsgs[i].msg_hdr.msg_iov = &s->riov[i];
    s->rmsgs[i].msg_hdr.msg_iovlen = 1;
  }
  uv_loop_t* loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, &s->poll, fd) != 0) {
    close(fd);
    free_sock(s);
    napi_throw_error(env, NULL, "open: cannot watch the socket on the event loop");
    return NULL;
  }
  s->poll.data = s;
  s->poll_closed = 0;
  s->open = 1;

  napi_value resource_name;
  napi_create_object(env, &self);
  napi_create_string_utf8(env, "UdpBatchSocket", NAPI_AUTO_LENGTH, &resource_name);
  napi_async_init(env, self, resource_name, &s->async);
  napi_create_reference(env, self, 1, &s->self);
  napi_create_reference(env, argv[6], 1, &s->callback);
  for (int i = 0; i < 5; i++) napi_create_reference(env, argv[i + 1], 1, &s->refs[i]);
  napi_wrap(env, self, s, finalize, NULL, NULL);
  napi_add_env_cleanup_hook(env, cleanup_hook, s);
  s->cleanup_hook = 1;
  set_poll(s, UV_READABLE);
  return self;
}

static sock_t* unwrap(napi_env env, napi_callback_info info, size_t* argc, napi_value* argv) {
  napi_value this_arg = NULL;
  size_t want = *argc;
  napi_get_cb_info(env, info, argc, argv, NULL, NULL);
  if (*argc < 1 || want < 1) {
    napi_throw_type_error(env, NULL, "a socket handle expected");
    return NULL;
  }
  this_arg = argv[0];
  void* data = NULL;
  if (napi_unwrap(env, this_arg, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "a socket handle expected");
    return NULL;
  }
  return (sock_t*)data;
}

/** close(handle): stops reading, drops queued datagrams, frees the port at once. Idempotent. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  sock_t* s = unwrap(env, info, &argc, argv);
  if (s == NULL || !s->open) return NULL;
  if (s->cleanup_hook) {
    napi_remove_env_cleanup_hook(env, cleanup_hook, s);
    s->cleanup_hook = 0;
  }
  shutdown_io(s);
  napi_delete_reference(env, s->callback);
  for (int i = 0; i < 5; i++) napi_delete_reference(env, s->refs[i]);
  napi_async_destroy(env, s->async);
  uint32_t left;
  napi_reference_unref(env, s->self, &left);  // collectable from now on
  return NULL;
}

/** address(handle) → { address, port, family } from getsockname. */
static napi_value js_address(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result, v;
  sock_t* s = unwrap(env, info, &argc, argv);
  if (s == NULL) return NULL;
  if (!s->open) return throw_errno(env, EBADF, "getsockname");
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(s->fd, (struct sockaddr*)&ss, &len) < 0) return throw_errno(env, errno, "getsockname");
  char text[INET6_ADDRSTRLEN];
  int port;
  if (ss.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &((struct sockaddr_in6*)&ss)->sin6_addr, text, sizeof text);
    port = ntohs(((struct sockaddr_in6*)&ss)->sin6_port);
  } else {
    inet_ntop(AF_INET, &((struct sockaddr_in*)&ss)->sin_addr, text, sizeof text);
    port = ntohs(((struct sockaddr_in*)&ss)->sin_port);
  }
  napi_create_object(env, &result);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, result, "address", v);
  napi_create_int32(env, port, &v);
  napi_set_named_property(env, result, "port", v);
  napi_create_string_utf8(env, ss.ss_family == AF_INET6 ? "IPv6" : "IPv4", NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, result, "family", v);
  return result;
}

static void set_number(napi_env env, napi_value obj, const char* key, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, obj, key, v);
}

/** stats(handle) → counters since open. */
static napi_value js_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  sock_t* s = unwrap(env, info, &argc, argv);
  if (s == NULL) return NULL;
  napi_create_object(env, &result);
  set_number(env, result, "received", s->stats.received);
  set_number(env, result, "sent", s->stats.sent);
  set_number(env, result, "batches", s->stats.batches);
  set_number(env, result, "truncated", s->stats.truncated);
  set_number(env, result, "queued", s->stats.queued);
  set_number(env, result, "queueLength", s->q_len);
  set_number(env, result, "dropped", s->stats.dropped);
  set_number(env, result, "sendErrors", s->stats.send_errors);
  set_number(env, result, "receiveErrors", s->stats.recv_errors);
  set_number(env, result, "invalid", s->stats.invalid);
  set_number(env, result, "callbackErrors", s->stats.callback_errors);
  return result;
}

/** injectSendEagain(handle, n): tests only; the next n sendmmsg calls fail with EAGAIN without sending. */
static napi_value js_inject_eagain(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  sock_t* s = unwrap(env, info, &argc, argv);
  if (s == NULL) return NULL;
  uint32_t n = 0;
  if (argc < 2 || napi_get_value_uint32(env, argv[1], &n) != napi_ok) {
    napi_throw_type_error(env, NULL, "injectSendEagain: a count expected");
    return NULL;
  }
  s->inject_eagain = n;
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
      {"address", NULL, js_address, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, js_stats, NULL, NULL, NULL, napi_default, NULL},
      {"injectSendEagain", NULL, js_inject_eagain, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
