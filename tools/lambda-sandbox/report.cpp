// Renders RunResult as the JSON report (for tests, CI and benchmarks) and as a human summary.
#include "report.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

#include <nlohmann/json.hpp>

namespace sandbox {
namespace {

using json = nlohmann::ordered_json;

double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

// The report lists the first POST times; the summary covers every one the dispatcher kept.
constexpr std::size_t kMaxPostTimesReported = 1000;

json errorJson(const std::optional<ErrorReport>& e) {
  if (!e) {
    return nullptr;
  }
  return {{"type", e->type}, {"body", e->body}};
}

template <typename T>
json optionalJson(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json subscriptionJson(const std::optional<Subscription>& sub) {
  if (!sub) {
    return nullptr;
  }
  return {{"schemaVersion", sub->schema_version},
          {"destination", {{"protocol", "HTTP"}, {"URI", sub->uri}}},
          {"types", sub->types},
          {"buffering",
           {{"maxItems", sub->buffering.max_items},
            {"maxBytes", sub->buffering.max_bytes},
            {"timeoutMs", sub->buffering.timeout_ms}}}};
}

json splitsJson(const std::vector<SplitRecord>& splits) {
  json out = json::array();
  for (const SplitRecord& sp : splits) {
    out.push_back({{"event", sp.event},
                   {"event_bytes", sp.event_bytes},
                   {"envelope_bytes", sp.envelope_bytes},
                   {"cuts", sp.cuts},
                   {"posts", sp.posts},
                   {"continuation_brackets", sp.continuation_brackets}});
  }
  return out;
}

json damagedJson(const std::vector<DamageRecord>& damaged) {
  json out = json::array();
  for (const DamageRecord& d : damaged) {
    out.push_back({{"post", d.post},
                   {"byte", d.byte},
                   {"mode", damageModeName(d.mode)},
                   {"body_bytes", d.body_bytes},
                   {"status", d.status},
                   {"events_complete", d.events_complete},
                   {"cut_in_event", optionalJson(d.cut_in_event)},
                   {"cut_in_piece", d.cut_in_piece ? json(pieceName(*d.cut_in_piece)) : json()}});
  }
  return out;
}

json largestPostJson(const std::optional<LargestPostRecord>& p) {
  if (!p) {
    return nullptr;
  }
  const std::size_t twice_max = 2 * static_cast<std::size_t>(p->max_bytes);
  return {{"post", p->post},
          {"bytes", p->bytes},
          {"max_bytes", p->max_bytes},
          {"metadata_bytes", p->bytes - twice_max}};
}

json slowClientsJson(const SlowClientStats& s) {
  return {{"requested", s.requested},
          {"connected", s.connected},
          {"connect_failures", s.connect_failures},
          {"bytes_sent", s.bytes_sent},
          {"closed_by_listener", s.closed_by_listener},
          {"started_epoch_ms", s.started_epoch_ms > 0 ? json(s.started_epoch_ms) : json()},
          {"ran_ms", round3(s.ran_ms)}};
}

json sigtermJson(const Options& o, const RunResult& r) {
  const bool after = o.sigterm_after_shutdown_ms >= 0;
  return {
      {"enabled", o.sigterm_at_shutdown},
      {"when", !o.sigterm_at_shutdown ? json()
               : after ? json(std::to_string(o.sigterm_after_shutdown_ms) + " ms after SHUTDOWN")
                       : json("before SHUTDOWN")},
      {"sent", r.sigterm.sent},
      {"sent_ms", r.sigterm.sent ? json(round3(r.sigterm.sent_ms)) : json()},
      {"shutdown_delivered_ms",
       r.sigterm.shutdown_delivered_ms ? json(round3(*r.sigterm.shutdown_delivered_ms)) : json()}};
}

json roundedList(const std::vector<double>& values, std::size_t keep) {
  json out = json::array();
  for (std::size_t i = 0; i < values.size() && i < keep; ++i) {
    out.push_back(round3(values[i]));
  }
  return out;
}

}  // namespace

Summary summarize(std::vector<double> values) {
  Summary s;
  if (values.empty()) {
    return s;
  }
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  s.median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
  const auto rank = static_cast<std::size_t>(std::ceil(0.99 * static_cast<double>(n)));
  s.p99 = values[std::max<std::size_t>(rank, 1) - 1];
  s.max = values.back();
  return s;
}

std::string reportJson(const RunResult& r, const Options& o) {
  const Summary overhead = summarize(r.overhead_ms);
  const Summary post_ms = summarize(r.dispatch.post_ms);
  json per_invocation = json::array();
  for (double v : r.overhead_ms) {
    per_invocation.push_back(round3(v));
  }
  json next_call = json::array();
  for (double v : r.next_call_ms) {
    next_call.push_back(round3(v));
  }
  json rejected = json::array();
  for (const RejectedRequest& rr : r.api.rejected) {
    rejected.push_back(
        {{"request", rr.method_path}, {"status", rr.status}, {"message", rr.message}});
  }
  json statuses = json::object();
  for (const auto& [status, count] : r.dispatch.statuses) {
    statuses[status] = count;
  }
  json doc = {
      {"extension", r.extension_path},
      {"extension_name", r.extension_name},
      {"runtime_api_port", r.runtime_api_port},
      {"init_ms", r.init_ms ? json(round3(*r.init_ms)) : json(nullptr)},
      {"registered", r.api.registered},
      {"registered_events", r.api.registered_events},
      {"accept_feature_account_id", r.api.accepted_account_id},
      {"subscribed", r.subscription.has_value()},
      {"subscribe_calls", r.subscribe_calls},
      {"subscription", subscriptionJson(r.subscription)},
      {"invocations", r.invocations_completed},
      {"invocations_requested", o.invocations},
      {"next_calls", r.api.next_calls},
      {"overhead_ms",
       {{"median", round3(overhead.median)},
        {"p99", round3(overhead.p99)},
        {"max", round3(overhead.max)}}},
      {"per_invocation_overhead_ms", per_invocation},
      {"per_invocation_next_call_ms", next_call},
      {"events_generated", r.events_generated},
      {"events_emitted", r.events_emitted},
      {"events_posted", r.dispatch.events_posted},
      {"events_delivered", r.dispatch.events_delivered},
      {"events_undelivered", r.dispatch.events_undelivered},
      {"telemetry_events_unaccepted", r.dispatch.events_unaccepted},
      {"telemetry_posts", r.dispatch.posts},
      {"telemetry_post_failures", r.dispatch.post_failures},
      {"telemetry_post_statuses", statuses},
      {"telemetry_bytes_posted", r.dispatch.bytes_posted},
      {"telemetry_max_post_ms", round3(r.dispatch.max_post_ms)},
      {"telemetry_post_retries", r.dispatch.post_retries},
      {"telemetry_posts_given_up", r.dispatch.posts_given_up},
      {"telemetry_answers_lost", r.dispatch.answers_lost},
      {"telemetry_post_ms",
       {{"median", round3(post_ms.median)},
        {"p99", round3(post_ms.p99)},
        {"max", round3(post_ms.max)}}},
      {"per_post_ms", roundedList(r.dispatch.post_ms, kMaxPostTimesReported)},
      {"telemetry_events_split", r.dispatch.events_split},
      {"telemetry_splits", splitsJson(r.dispatch.splits)},
      {"telemetry_damaged_posts", damagedJson(r.dispatch.damaged)},
      {"telemetry_largest_post", largestPostJson(r.dispatch.largest_post)},
      {"slow_clients", slowClientsJson(r.slow_clients)},
      {"sigterm", sigtermJson(o, r)},
      {"peak_rss_kb", r.peak_rss_kb},
      {"ru_maxrss_kb", r.exit.ru_maxrss_kb},
      {"cpu_user_ms", round3(r.exit.cpu_user_ms)},
      {"cpu_sys_ms", round3(r.exit.cpu_sys_ms)},
      {"voluntary_context_switches", r.exit.voluntary_switches},
      {"involuntary_context_switches", r.exit.involuntary_switches},
      {"shutdown_reason", r.shutdown_reason.empty() ? json(nullptr) : json(r.shutdown_reason)},
      {"shutdown_ms", r.shutdown_ms ? json(round3(*r.shutdown_ms)) : json(nullptr)},
      {"exit_code", optionalJson(r.exit.exit_code)},
      {"signal", optionalJson(r.exit.signal)},
      {"signal_name", r.exit.signal
                          ? json(sigabbrev_np(*r.exit.signal) ? sigabbrev_np(*r.exit.signal) : "?")
                          : json(nullptr)},
      {"exited_in_time", r.exited_in_time},
      {"init_error", errorJson(r.api.init_error)},
      {"exit_error", errorJson(r.api.exit_error)},
      {"rejected_requests", rejected},
      {"rejected_requests_total", r.api.rejected_total},
      {"credentials",
       {{"mode", r.credentials.mode},
        {"issued", r.credentials.issued},
        {"served", r.credentials.served},
        {"rejected", r.credentials.rejected}}},
      {"failures", r.failures},
      {"wall_ms", round3(r.wall_ms)},
      {"settings",
       {{"log_lines", o.log_lines},
        {"log_line_bytes", o.log_line_bytes},
        {"invoke_duration_ms", o.invoke_duration_ms},
        {"interval_ms", o.interval_ms},
        {"shutdown_deadline_ms", o.shutdown_deadline_ms},
        {"function_timeout_ms", o.function_timeout_ms},
        {"memory_mb", o.memory_mb},
        {"freeze", o.freeze},
        {"telemetry_post_timeout_ms", o.delivery.post_timeout_ms},
        {"telemetry_post_retries", o.delivery.post_retries},
        {"split_large_events", o.delivery.split_large_events},
        {"big_log_lines", o.big_log_lines},
        {"big_log_invocations", o.big_log_invocations},
        {"largest_post_invocation", o.largest_post_invocation}}},
      {"ok", r.ok},
  };
  return doc.dump(2) + "\n";
}

std::string humanSummary(const RunResult& r, const Options& o) {
  const Summary overhead = summarize(r.overhead_ms);
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(2);
  out << "lambda-sandbox: " << r.extension_name << (r.ok ? "  OK" : "  FAILED") << "\n";
  out << "  init          ";
  if (r.init_ms) {
    out << *r.init_ms << " ms";
  } else {
    out << "-";
  }
  out << (r.api.registered ? "" : "  (never registered)") << "\n";
  out << "  subscription  ";
  if (r.subscription) {
    out << r.subscription->uri << " types=";
    for (std::size_t i = 0; i < r.subscription->types.size(); ++i) {
      out << (i ? "," : "") << r.subscription->types[i];
    }
    out << " maxItems=" << r.subscription->buffering.max_items
        << " maxBytes=" << r.subscription->buffering.max_bytes
        << " timeoutMs=" << r.subscription->buffering.timeout_ms << "\n";
  } else {
    out << "none\n";
  }
  out << "  invocations   " << r.invocations_completed << "/" << o.invocations
      << "  overhead ms median " << overhead.median << " p99 " << overhead.p99 << " max "
      << overhead.max << "\n";
  out << "  telemetry     " << r.events_emitted << " events queued, " << r.dispatch.events_delivered
      << " delivered in " << r.dispatch.posts << " POSTs (" << r.dispatch.post_failures
      << " failed, " << r.dispatch.post_retries << " re-sent), " << r.dispatch.events_undelivered
      << " undelivered\n";
  if (r.dispatch.events_split > 0 || !r.dispatch.damaged.empty()) {
    out << "  intake        " << r.dispatch.events_split << " events cut across POSTs, "
        << r.dispatch.damaged.size() << " POSTs damaged\n";
  }
  if (r.slow_clients.requested > 0) {
    out << "  slow clients  " << r.slow_clients.connected << "/" << r.slow_clients.requested
        << " connected, " << r.slow_clients.bytes_sent << " bytes in " << r.slow_clients.ran_ms
        << " ms, " << r.slow_clients.closed_by_listener << " closed by the listener\n";
  }
  if (r.credentials.mode == "container") {
    out << "  credentials   container endpoint: " << r.credentials.issued << " sets issued, "
        << r.credentials.served << " served, " << r.credentials.rejected << " rejected\n";
  }
  out << "  resources     peak RSS " << r.peak_rss_kb << " KiB, CPU user " << r.exit.cpu_user_ms
      << " ms sys " << r.exit.cpu_sys_ms << " ms\n";
  out << "  shutdown      ";
  if (r.shutdown_ms) {
    out << *r.shutdown_ms << " ms";
  } else {
    out << "-";
  }
  out << (r.exited_in_time ? " (in time)" : " (not in time)") << ", exit ";
  if (r.exit.exit_code) {
    out << "code " << *r.exit.exit_code;
  } else if (r.exit.signal) {
    out << "signal " << *r.exit.signal;
  } else {
    out << "unknown";
  }
  out << "\n";
  for (const std::string& f : r.failures) {
    out << "  FAILURE: " << f << "\n";
  }
  return out.str();
}

}  // namespace sandbox
