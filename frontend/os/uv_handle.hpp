// The owner of one libuv handle. libuv reads a handle's memory until the handle's close callback
// has run, which may be after the owner is gone, so the handle lives on the heap and only that
// callback frees it. Like std::unique_ptr: move-only and empty until init(); close() is
// idempotent and leaves the owner empty; destroying an open owner closes its handle. The memory
// is freed when the loop next runs its close callbacks, so the loop must run on after a close.
//
// The handle's data points at its context, the object its callbacks work on (libuv never
// touches data; nothing else may either): context(handle) gives it back in a callback.
// Loop thread only, like libuv itself.
#pragma once

#include <uv.h>

#include <type_traits>
#include <utility>

namespace ikesteer::frontend {

template <class Handle, class Context>
class UvHandle {
 public:
  // Runs once the handle has closed and its memory is freed. For a context that has to outlive
  // the close (a pending request calls back into it while the handle closes): it frees itself
  // here.
  using Closed = void (*)(Context&);

  UvHandle() = default;
  UvHandle(UvHandle&& other) noexcept : block_(std::exchange(other.block_, nullptr)) {}
  UvHandle& operator=(UvHandle&& other) noexcept {
    if (this != &other) {
      close();
      block_ = std::exchange(other.block_, nullptr);
    }
    return *this;
  }
  ~UvHandle() { close(); }

  // Makes a new handle for `ctx` with libuv's `uv_init(loop, handle, args...)` (uv_timer_init,
  // uv_udp_init_ex, uv_spawn...), after closing any held. On failure libuv has not registered
  // the handle: it is freed and the owner stays empty. uv_spawn is the exception: libuv
  // registers its handle even when the spawn fails, so the owner keeps it, to be closed.
  template <class Init, class... Args>
  int init(uv_loop_t* loop, Context& ctx, Init uv_init, Args&&... args) {
    close();
    auto* block = new Block{};
    block->handle.data = &ctx;
    const int rc = uv_init(loop, &block->handle, std::forward<Args>(args)...);
    if (rc != 0 && !std::is_same_v<Handle, uv_process_t>) {
      delete block;
      return rc;
    }
    block_ = block;
    return rc;
  }

  explicit operator bool() const noexcept { return block_ != nullptr; }

  // The handle, or nullptr when empty; as uv_handle_t or uv_stream_t for libuv's generic calls.
  template <class As = Handle>
  As* get() const noexcept {
    static_assert(std::is_same_v<As, Handle> || std::is_same_v<As, uv_handle_t> ||
                  std::is_same_v<As, uv_stream_t>);
    return block_ ? reinterpret_cast<As*>(&block_->handle) : nullptr;
  }

  // Starts closing and empties the owner; nothing when already empty. No callback of the handle
  // runs after this, except its pending requests', which libuv calls with UV_ECANCELED while
  // the handle closes (before `closed`).
  void close(Closed closed = nullptr) noexcept {
    if (block_ == nullptr) return;
    Block* block = std::exchange(block_, nullptr);
    block->closed = closed;
    uv_close(reinterpret_cast<uv_handle_t*>(&block->handle), on_close);
  }

  // The context of a handle (or of its uv_handle_t / uv_stream_t view) owned this way.
  template <class Any>
  static Context& context(const Any* handle) noexcept {
    return *static_cast<Context*>(handle->data);
  }

 private:
  // Standard layout with the handle first: the close callback's pointer is the block's.
  struct Block {
    Handle handle;
    Closed closed;
  };
  static_assert(std::is_standard_layout_v<Block>);

  static void on_close(uv_handle_t* handle) noexcept {
    auto* block = reinterpret_cast<Block*>(handle);
    Context& owner = context(handle);
    const Closed closed = block->closed;
    delete block;
    if (closed != nullptr) closed(owner);
  }

  Block* block_ = nullptr;
};

}  // namespace ikesteer::frontend
