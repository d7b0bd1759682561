// lambda-sandbox entry point: flags -> Options, then wires the API server, telemetry routing and
// the lifecycle together, writes the report and maps the outcome to the exit status.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "credentials_issuer.h"
#include "event_factory.h"
#include "events_out_writer.h"
#include "extensions_api_server.h"
#include "ids.h"
#include "lifecycle.h"
#include "options.h"
#include "report.h"
#include "telemetry_router.h"

extern char** environ;

namespace {

using sandbox::Options;

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

// Process group of the running extension, for the signal handler.
std::atomic<int> g_child_pgid{0};

// Ctrl-C / SIGTERM of the sandbox must not leave a (possibly SIGSTOPped) extension behind.
extern "C" void onTerminate(int sig) {
  const int pgid = g_child_pgid.load();
  if (pgid > 0) {
    ::kill(-pgid, SIGKILL);
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void installSignalHandlers() {
  ::signal(SIGPIPE, SIG_IGN);  // a subscriber that hangs up must not kill the sandbox
  struct sigaction sa {};
  sa.sa_handler = onTerminate;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGHUP, &sa, nullptr);
}

// The extension's environment: ours (PATH, HOME, AWS credentials... pass through), minus what
// Lambda hides from extensions, plus what Lambda sets for them (credentials_issuer.h decides how
// the role's credentials are handed out), plus --env.
std::vector<std::string> buildEnvironment(const Options& o, int port,
                                          sandbox::CredentialsIssuer& credentials) {
  // Lambda redacts these for extension processes (runtimes-extensions-api.html; see also
  // ../shared/design.md, "Facts that bite").
  static const std::set<std::string> kHidden = {"AWS_LAMBDA_LOG_GROUP_NAME",
                                                "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_EXECUTION_ENV",
                                                "LAMBDA_TASK_ROOT", "_HANDLER"};
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string kv = *e;
    const auto eq = kv.find('=');
    if (eq == std::string::npos || kHidden.count(kv.substr(0, eq)) > 0) {
      continue;
    }
    env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  const std::string runtime_api = "127.0.0.1:" + std::to_string(port);
  credentials.exposeTo(env, runtime_api);
  env["AWS_LAMBDA_RUNTIME_API"] = runtime_api;
  env["AWS_REGION"] = o.region;
  env["AWS_DEFAULT_REGION"] = o.region;
  env["AWS_LAMBDA_FUNCTION_NAME"] = o.function_name;
  env["AWS_LAMBDA_FUNCTION_VERSION"] = o.function_version;
  env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = std::to_string(o.memory_mb);
  env["AWS_LAMBDA_INITIALIZATION_TYPE"] = sandbox::initializationType(o.modes.mode);
  // "Lambda also sets your function's log format using the AWS_LAMBDA_LOG_FORMAT environment
  // variable" (Lambda Developer Guide, "Log-level filtering", custom runtimes); with the default
  // text format we leave it unset, as for a function without a logging configuration.
  if (o.json_logs) env["AWS_LAMBDA_LOG_FORMAT"] = "JSON";
  for (const auto& [key, value] : o.env) {
    env[key] = value;  // explicit --env wins, even over the hidden list
  }
  credentials.adoptEnvironment(env);
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [key, value] : env) {
    out.push_back(key + "=" + value);
  }
  return out;
}

bool writeFile(const std::string& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << content;
  return static_cast<bool>(f);
}

}  // namespace

int main(int argc, char** argv) {
  sandbox::ParseResult parsed = sandbox::parseOptions(argc, argv);
  if (parsed.help) {
    std::cout << sandbox::usageText();
    return 0;
  }
  if (!parsed.options) {
    for (const std::string& e : parsed.errors) {
      std::cerr << "lambda-sandbox: " << e << "\n";
    }
    std::cerr << "run with --help for usage\n";
    return kExitUsage;
  }
  const Options& options = *parsed.options;
  if (::access(options.extension_path.c_str(), X_OK) != 0) {
    std::cerr << "lambda-sandbox: " << options.extension_path << " is not an executable file\n";
    return kExitUsage;
  }
  installSignalHandlers();

  std::string error;
  sandbox::EventsOutWriter events_out(options.events_out, error);
  if (!error.empty()) {
    std::cerr << "lambda-sandbox: " << error << "\n";
    return kExitUsage;
  }
  const sandbox::EventFactory factory(sandbox::FunctionInfo{
      options.function_name, options.function_version, options.memory_mb, options.region,
      options.account_id, options.handler, sandbox::newUuid(),
      sandbox::initializationType(options.modes.mode),
      options.modes.mode == sandbox::Mode::kManagedInstances, options.json_logs});
  sandbox::TelemetryRouter router(factory, events_out, options.delivery);
  const std::string name = options.extension_path.substr(options.extension_path.rfind('/') + 1);
  sandbox::CredentialsIssuer credentials(options.credentials);
  if (!credentials.start(error)) {
    std::cerr << "lambda-sandbox: " << error << "\n";
    return kExitUsage;
  }
  sandbox::ExtensionsApiServer server(factory, router, name);
  server.setRules(sandbox::apiRulesFor(options.modes));
  server.setCredentialsIssuer(&credentials);
  if (!server.start(options.port, error)) {
    std::cerr << "lambda-sandbox: " << error << "\n";
    return kExitFailed;
  }

  sandbox::Lifecycle lifecycle(options, factory, router, server, credentials);
  const sandbox::RunResult result =
      lifecycle.run(buildEnvironment(options, server.port(), credentials), g_child_pgid);
  server.stop();

  std::cout << sandbox::humanSummary(result, options) << std::flush;
  if (!options.report_path.empty() &&
      !writeFile(options.report_path, sandbox::reportJson(result, options))) {
    std::cerr << "lambda-sandbox: cannot write --report " << options.report_path << "\n";
    return kExitFailed;
  }
  if (!result.ok) {
    for (const std::string& f : result.failures) {
      std::cerr << "lambda-sandbox: FAILED: " << f << "\n";
    }
    if (result.failures.empty()) {
      std::cerr << "lambda-sandbox: FAILED\n";
    }
  }
  return result.ok ? 0 : kExitFailed;
}
