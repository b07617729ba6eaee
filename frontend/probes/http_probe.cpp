#include "frontend/probes/http_probe.hpp"

#include <atomic>
#include <memory>

#include "frontend/probes/http_client.hpp"

namespace ikesteer::frontend {
namespace {

class HttpAttempt;

// Shared by the attempt (loop thread) and the worker; the worker only reads the request and
// writes the response, which libuv publishes to the loop thread before after_work runs.
struct HttpJob {
  HttpRequest request;
  TimePoint deadline;
  std::atomic<bool> cancel{false};
  Result<HttpResponse, std::string> response = fail(std::string("not run"));
  HttpAttempt* attempt = nullptr;  // loop thread only; cleared when the attempt goes away
};

struct HttpWork {
  uv_work_t req{};
  std::shared_ptr<HttpJob> job;
};

class HttpAttempt final : public UvAttempt {
 public:
  HttpAttempt(uv_loop_t* loop, const HttpProbeOptions& o, ProbeCallback done, AttemptSlot& slot)
      : UvAttempt(loop, o.timeout, std::move(done), slot),
        expect_status_(o.expect_status),
        expect_body_(o.expect_body),
        job_(std::make_shared<HttpJob>()) {
    job_->request = HttpRequest{
        .address = o.address, .port = o.port, .tls = o.tls, .host = o.host, .path = o.path};
    job_->deadline = Clock::now() + o.timeout;
    job_->attempt = this;
    auto* work = new HttpWork{.req = {}, .job = job_};
    work->req.data = work;
    if (const int rc = uv_queue_work(loop, &work->req, run_work, after_work)) {
      delete work;
      finish(false, std::string("queue: ") + uv_strerror(rc));
    }
  }
  ~HttpAttempt() override {
    job_->attempt = nullptr;
    job_->cancel = true;
  }

 private:
  static void run_work(uv_work_t* req) {
    HttpJob& job = *static_cast<HttpWork*>(req->data)->job;
    job.response = http_get(job.request, job.deadline, job.cancel);
  }

  static void after_work(uv_work_t* req, int) {
    const std::unique_ptr<HttpWork> work(static_cast<HttpWork*>(req->data));
    if (HttpAttempt* self = work->job->attempt) self->judge(work->job->response);
  }

  void judge(const Result<HttpResponse, std::string>& response) {
    if (!response) {
      finish(false, response.error());
      return;
    }
    const std::string status = "HTTP " + std::to_string(response->status);
    if (static_cast<unsigned>(response->status) != expect_status_) {
      finish(false, status);
    } else if (response->body.find(expect_body_) == std::string::npos) {
      finish(false, status + " without \"" + expect_body_ + "\"");
    } else {
      finish(true, status);
    }
  }

  unsigned expect_status_;
  std::string expect_body_;
  std::shared_ptr<HttpJob> job_;
};

}  // namespace

void HttpProbe::run(ProbeCallback done) {
  new HttpAttempt(loop_, options_, std::move(done), attempt_);  // frees itself when it ends
}

}  // namespace ikesteer::frontend
