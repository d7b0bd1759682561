// The Lambda execution environment lifecycle, after "Lambda execution environment lifecycle" and
// the Extensions API docs: Init ends when every extension has called /next; each Invoke starts by
// answering the parked /next with INVOKE and ends when the runtime is done *and* every extension
// has called /next again; Shutdown sends SHUTDOWN and, at the deadline, SIGKILL.
#include "lifecycle.h"

#include <signal.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <thread>

#include "function_logs.h"
#include "ids.h"
#include "log_pump.h"

namespace sandbox {
namespace {

// The emulated handler returns "null"; Lambda reports the response size as producedBytes.
constexpr std::int64_t kResponseBytes = 4;
// After SIGKILL the kernel reaps quickly; this only bounds the wait.
constexpr auto kReapAfterKillTimeout = std::chrono::seconds(5);

std::string baseName(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::chrono::milliseconds ms(int v) { return std::chrono::milliseconds(v); }

}  // namespace

Lifecycle::Lifecycle(const Options& options, const EventFactory& factory, TelemetryRouter& router,
                     ExtensionsApiServer& server, CredentialsIssuer& credentials)
    : options_(options),
      factory_(factory),
      router_(router),
      server_(server),
      credentials_(credentials),
      progress_(options.modes.progress),
      slow_clients_(options.slow_clients) {}

RunResult Lifecycle::run(const std::vector<std::string>& env, std::atomic<int>& child_pgid) {
  RunResult result;
  result.extension_path = options_.extension_path;
  result.extension_name = baseName(options_.extension_path);
  result.runtime_api_port = server_.port();
  result.credentials = credentials_.stats();
  const SteadyTime started = SteadyClock::now();

  // platform.initStart marks the beginning of the Init phase, before any extension runs.
  router_.emit(factory_.initStart());
  // Init is timed from before the spawn: a fast extension can call /next before the spawn returns,
  // and a clock read after it would make Init Duration negative (seen in CI as -0.29 ms).
  const SteadyTime spawned = SteadyClock::now();
  const std::string spawned_iso = isoTimeNow();
  std::string spawn_error;
  std::unique_ptr<ChildProcess> child =
      ChildProcess::spawn(options_.extension_path, env, spawn_error);
  if (!child) {
    result.failures.push_back(spawn_error);
    router_.stop();
    result.wall_ms = millisBetween(started, SteadyClock::now());
    return result;
  }
  child_pgid.store(child->pid());
  {
    // Everything the extension writes is an `extension` telemetry event too.
    LogPump pump({child->stdoutFd(), child->stderrFd()}, options_.passthrough_logs,
                 [this](const std::string& line) { router_.emit(factory_.extensionLog(line)); });

    if (init(*child, spawned, spawned_iso, result)) {
      afterInit(*child);
    }
    if (result.initialised && options_.modes.mode == Mode::kManagedInstances) {
      invokeConcurrently(*child, result);
    } else if (result.initialised) {
      for (int i = 1; i <= options_.invocations; ++i) {
        if (!invoke(i, *child, result)) {
          break;
        }
        ++result.invocations_completed;
        const bool last = i == options_.invocations;
        if (options_.freeze) {
          // Lambda freezes the environment once the runtime and every extension are done
          // (all called /next); nothing runs and no telemetry is delivered while frozen.
          router_.pause();
          child->freeze();
        }
        progress_.step(options_.freeze ? "frozen" : "idle", i, last_request_id_);
        if (!last && options_.interval_ms > 0) {
          std::this_thread::sleep_for(ms(options_.interval_ms));
        }
      }
    }
    shutdown(*child, result);
    slow_clients_.stop();
    pump.stop();
  }
  // No more deliveries: the extension is gone.
  router_.stop();
  child_pgid.store(0);

  result.child_exited = child->exited();
  result.exit = child->exitInfo();
  result.peak_rss_kb = child->peakRssKb();
  result.api = server_.snapshot();
  result.subscription = router_.subscription();
  result.subscribe_calls = router_.subscribeCalls();
  result.events_generated = router_.eventsGenerated();
  result.events_emitted = router_.eventsEmitted();
  result.dispatch = router_.dispatchStats();
  result.credentials = credentials_.stats();
  result.slow_clients = slow_clients_.stats();
  if (result.api.init_error) {
    result.failures.push_back("extension reported init/error: " + result.api.init_error->type);
  }
  if (result.api.exit_error) {
    result.failures.push_back("extension reported exit/error: " + result.api.exit_error->type);
  }
  if (result.exit.exit_code && *result.exit.exit_code != 0) {
    result.failures.push_back("extension exited with status " +
                              std::to_string(*result.exit.exit_code));
  }
  if (result.exit.signal && result.exited_in_time) {
    const bool ours = *result.exit.signal == SIGTERM && result.sigterm.sent;
    result.failures.push_back(
        "extension was killed by signal " + std::to_string(*result.exit.signal) +
        (ours ? " (the SIGTERM of the shutdown: it does not handle SIGTERM)" : ""));
  }
  result.ok = result.initialised && result.invocations_completed == options_.invocations &&
              result.exited_in_time && result.exit.exit_code == 0 && result.failures.empty();
  result.wall_ms = millisBetween(started, SteadyClock::now());
  return result;
}

bool Lifecycle::init(ChildProcess& child, SteadyTime spawned, const std::string& spawned_iso,
                     RunResult& result) {
  // Init ends when the extension signals readiness with its first /next call (Extensions API:
  // "Init phase ... completes after the runtime and each extension indicate completion by sending
  // a Next API request").
  const auto wait = server_.waitForNextCall(0, spawned + ms(options_.init_timeout_ms),
                                            [&child] { return child.exited(); });
  server_.setInitDone();
  router_.closeInitBacklog();
  if (wait != ExtensionsApiServer::WaitResult::kNextCalled) {
    shutdown_reason_ = "failure";
    if (wait == ExtensionsApiServer::WaitResult::kTimeout) {
      result.failures.push_back("init timed out after " + std::to_string(options_.init_timeout_ms) +
                                " ms (no /next call; registered=" +
                                (server_.snapshot().registered ? "true" : "false") + ")");
    } else if (child.exited()) {
      result.failures.push_back("extension exited during init");
    }  // init/error is reported from the API snapshot
    return false;
  }
  const double init_ms = millisBetween(spawned, server_.lastNextCallAt());
  result.init_ms = init_ms;
  result.initialised = true;
  // The emulated runtime initialises alongside the extension (--runtime-init-ms, instantly by
  // default); the Init phase lasts until both are ready.
  std::this_thread::sleep_until(spawned + ms(options_.modes.runtime_init_ms));
  router_.emit(factory_.initRuntimeDone(spawned_iso, options_.modes.runtime_init_ms));
  router_.emit(
      factory_.initReport(std::max(init_ms, static_cast<double>(options_.modes.runtime_init_ms)),
                          spawned_iso, init_ms));
  return true;
}

void Lifecycle::emitFunctionLogs(int index, SteadyTime start, const std::string& request_id) {
  std::size_t largest_bytes = 0;
  if (index == options_.largest_post_invocation) {
    // The largest body the Telemetry API documents: "Expect to receive payloads as large as
    // 2 * maxBytes + metadataBytes" (Telemetry API, "Configuring memory usage and buffering"):
    // one record of 2 * maxBytes bytes, its metadata being the envelope and the brackets.
    const std::optional<Subscription> sub = router_.subscription();
    largest_bytes = sub ? 2 * static_cast<std::size_t>(sub->buffering.max_bytes) : 0;
  }
  const std::vector<LogLinePlan> plan =
      planLogLines(options_.log_lines,
                   logsBigLines(index, options_.big_log_invocations) ? options_.big_log_lines
                                                                     : std::vector<int>{},
                   largest_bytes);
  const auto span = std::chrono::duration<double, std::milli>(options_.invoke_duration_ms);
  for (std::size_t i = 0; i < plan.size(); ++i) {
    // Spread the lines evenly over the handler's run time.
    const auto at = start + std::chrono::duration_cast<SteadyClock::duration>(
                                span * (static_cast<double>(i) / static_cast<double>(plan.size())));
    std::this_thread::sleep_until(at);
    const LogLinePlan& line = plan[i];
    if (line.bytes == 0) {
      router_.emit(
          factory_.functionLog(functionLogText(index, line.number, randomHex(16),
                                               static_cast<std::size_t>(options_.log_line_bytes)),
                               request_id));
      continue;
    }
    TelemetryEvent event =
        factory_.functionLog(bigLogText(index, line.number, randomHex(16), line.bytes), request_id);
    event.alone = line.alone;
    router_.emit(std::move(event));
  }
}

void Lifecycle::startSlowClients() {
  if (const std::optional<Subscription> sub = router_.subscription()) {
    slow_clients_.start(sub->host, sub->port, sub->path);
  }
}

bool Lifecycle::invoke(int index, ChildProcess& child, RunResult& result) {
  if (options_.freeze) {
    progress_.step("thaw", index);  // before SIGCONT: whatever a reader saw earlier was frozen
    child.thaw();
    router_.resume();
  }
  if (child.exited()) {
    result.failures.push_back("extension exited before invocation " + std::to_string(index));
    shutdown_reason_ = "failure";
    return false;
  }
  const std::string request_id = newUuid();
  last_request_id_ = request_id;
  progress_.step("invoke", index, request_id);
  const TraceContext trace{newTraceHeader(), randomHex(16)};
  const bool wants_invoke = server_.registeredFor("INVOKE");
  const std::uint64_t calls_before = server_.nextCalls();

  if (index == 1) {
    startSlowClients();  // they start with the first INVOKE
  }
  const SteadyTime t0 = SteadyClock::now();
  const std::int64_t deadline_ms = epochMillisNow() + options_.function_timeout_ms;
  if (wants_invoke) {
    server_.deliver(factory_.invokeEvent(deadline_ms, request_id, trace));
  }
  router_.emit(factory_.platformStart(request_id, trace));
  emitFunctionLogs(index, t0, request_id);
  std::this_thread::sleep_until(t0 + ms(options_.invoke_duration_ms));

  const SteadyTime runtime_done = SteadyClock::now();
  router_.emit(factory_.runtimeDone(request_id, trace, millisBetween(t0, runtime_done),
                                    isoTimeNow(), kResponseBytes));

  SteadyTime extensions_done = runtime_done;
  if (wants_invoke) {
    // The invoke is over only when the extension calls /next again; the time it takes after the
    // runtime is done is the extension's overhead, billed and added to the duration.
    const auto wait = server_.waitForNextCall(calls_before, t0 + ms(options_.function_timeout_ms),
                                              [&child] { return child.exited(); });
    if (wait != ExtensionsApiServer::WaitResult::kNextCalled) {
      if (wait == ExtensionsApiServer::WaitResult::kTimeout) {
        result.failures.push_back("invocation " + std::to_string(index) +
                                  ": extension did not call /next before the function timeout");
        shutdown_reason_ = "timeout";
      } else {
        if (child.exited()) {
          result.failures.push_back("extension exited during invocation " + std::to_string(index));
        }
        shutdown_reason_ = "failure";
      }
      return false;
    }
    extensions_done = server_.lastNextCallAt();
    // How quickly the extension went back to /next after receiving INVOKE: an extension that
    // waits for its own I/O here would delay the end of every invocation.
    result.next_call_ms.push_back(std::max(0.0, millisBetween(t0, extensions_done)));
  }
  const double overhead = std::max(0.0, millisBetween(runtime_done, extensions_done));
  result.overhead_ms.push_back(overhead);

  // platform.report comes after every extension called /next, so an extension sees invocation
  // N's report during invocation N+1 or during SHUTDOWN.
  child.sampleMemory();
  ReportMetrics metrics;
  metrics.duration_ms = millisBetween(t0, std::max(runtime_done, extensions_done));
  metrics.billed_duration_ms = static_cast<std::int64_t>(std::ceil(metrics.duration_ms));
  metrics.memory_size_mb = options_.memory_mb;
  metrics.max_memory_used_mb = static_cast<int>((child.peakRssKb() + 1023) / 1024);
  if (index == 1 && restore_ms_) {
    metrics.restore_duration_ms = restore_ms_;  // a restored environment had no Init of its own
  } else if (index == 1 && result.init_ms) {
    metrics.init_duration_ms = *result.init_ms;
  }
  router_.emit(factory_.platformReport(request_id, trace, metrics));
  return true;
}

void Lifecycle::shutdown(ChildProcess& child, RunResult& result) {
  if (child.exited()) {
    // Nothing to shut down: it already ended (a failure unless it never got that far).
    if (result.initialised && result.failures.empty()) {
      result.failures.push_back("extension exited before SHUTDOWN");
    }
    return;
  }
  if (options_.freeze) {
    child.thaw();
    router_.resume();
  }
  const SteadyTime start = SteadyClock::now();
  progress_.step("shutdown");
  const bool sigterm = options_.sigterm_at_shutdown;
  const bool sigterm_first = sigterm && options_.sigterm_after_shutdown_ms < 0;
  if (sigterm_first) {
    // "it sends a SIGTERM signal to the runtime and then a SHUTDOWN event to each registered
    // external extension" (aws-samples/graceful-shutdown-with-aws-lambda, README).
    sendSigterm(child, start, result);
  }
  const bool registered_for_shutdown = server_.registeredFor("SHUTDOWN");
  if (registered_for_shutdown) {
    // Lambda gives extensions until deadlineMs; telemetry keeps flowing meanwhile (the last
    // platform.report reaches the extension now).
    result.shutdown_reason = shutdown_reason_;
    server_.deliver(EventFactory::shutdownEvent(epochMillisNow() + options_.shutdown_deadline_ms,
                                                shutdown_reason_));
    result.sigterm.shutdown_delivered_ms = millisBetween(start, SteadyClock::now());
  } else if (server_.snapshot().registered) {
    result.failures.push_back("extension is not registered for SHUTDOWN; it is killed");
  } else {
    result.failures.push_back("extension never registered; it is killed");
  }
  const SteadyTime deadline = start + ms(options_.shutdown_deadline_ms);
  if (sigterm && !sigterm_first && registered_for_shutdown &&
      !child.waitExit(ms(options_.sigterm_after_shutdown_ms))) {
    sendSigterm(child, start, result);  // --sigterm-after-shutdown-ms
  }
  const bool exited = registered_for_shutdown &&
                      child.waitExit(std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::max(SteadyClock::duration::zero(), deadline - SteadyClock::now())));
  if (!exited) {
    child.kill();
    child.waitExit(kReapAfterKillTimeout);
    if (registered_for_shutdown) {
      result.failures.push_back("extension did not exit within the SHUTDOWN deadline of " +
                                std::to_string(options_.shutdown_deadline_ms) + " ms (SIGKILL)");
    }
  }
  result.exited_in_time = exited;
  result.shutdown_ms = millisBetween(start, child.exitInfo().exited_at);
}

void Lifecycle::sendSigterm(ChildProcess& child, SteadyTime shutdown_start, RunResult& result) {
  if (child.exited()) {
    return;
  }
  progress_.step("sigterm");
  child.terminate();
  result.sigterm.sent = true;
  result.sigterm.sent_ms = millisBetween(shutdown_start, SteadyClock::now());
}

}  // namespace sandbox
