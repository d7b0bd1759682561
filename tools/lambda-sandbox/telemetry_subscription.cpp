// Telemetry API Subscribe validation, after the Telemetry API reference ("Subscribe": request body
// parameters, valid values, buffering minimum/maximum/default).
#include "telemetry_subscription.h"

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

namespace sandbox {
namespace {

using nlohmann::json;

// schemaVersion valid values per the Telemetry API reference. 2025-01-29 is required by Lambda
// Managed Instances and is backward compatible with default Lambda functions.
constexpr const char* kSchemaVersions[] = {"2022-07-01", "2022-12-13", "2025-01-29"};
constexpr const char* kTypes[] = {"platform", "function", "extension"};

struct ParsedUri {
  std::string host;
  int port = 0;
  std::string path;
};

// Accepts http://HOST:PORT[/path]. In Lambda the host must be sandbox.localdomain (the only name
// the platform can reach inside the sandbox); locally that name does not resolve, so it is mapped
// to 127.0.0.1, and loopback names are accepted as well.
std::optional<ParsedUri> parseUri(const std::string& uri, std::vector<std::string>& errors) {
  constexpr std::string_view kScheme = "http://";
  if (uri.rfind(kScheme, 0) != 0) {
    errors.push_back("URI must start with http://");
    return std::nullopt;
  }
  const std::string rest = uri.substr(kScheme.size());
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  ParsedUri out;
  out.path = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = authority.rfind(':');
  const std::string host = authority.substr(0, colon);
  if (host == "sandbox.localdomain" || host == "127.0.0.1" || host == "localhost") {
    out.host = "127.0.0.1";
  } else {
    errors.push_back("URI host must be sandbox.localdomain (or 127.0.0.1/localhost locally)");
  }
  if (colon == std::string::npos) {
    errors.push_back("URI port is not provided");
  } else {
    const std::string port_text = authority.substr(colon + 1);
    int port = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
      errors.push_back("URI port is invalid");
    }
    out.port = port;
  }
  return out;
}

void readBufferingField(const json& buffering, const char* name, int min, int max, int& target,
                        std::vector<std::string>& errors) {
  if (!buffering.contains(name)) {
    return;  // absent -> documented default
  }
  const json& v = buffering.at(name);
  if (!v.is_number_integer() || v.get<long long>() < min || v.get<long long>() > max) {
    errors.push_back(std::string("buffering.") + name + " must be an integer in [" +
                     std::to_string(min) + ", " + std::to_string(max) + "]");
    return;
  }
  target = v.get<int>();
}

}  // namespace

bool Subscription::wants(TelemetryStream stream) const {
  const char* name = stream == TelemetryStream::kPlatform   ? "platform"
                     : stream == TelemetryStream::kFunction ? "function"
                                                            : "extension";
  return std::find(types.begin(), types.end(), name) != types.end();
}

SubscriptionParse parseSubscription(const std::string& body) {
  SubscriptionParse result;
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    result.error_message = "request body is not a JSON object";
    return result;
  }
  std::vector<std::string> errors;
  Subscription sub;

  if (!doc.contains("schemaVersion") || !doc["schemaVersion"].is_string()) {
    errors.push_back("schemaVersion is required");
  } else {
    sub.schema_version = doc["schemaVersion"].get<std::string>();
    if (std::none_of(std::begin(kSchemaVersions), std::end(kSchemaVersions),
                     [&](const char* v) { return sub.schema_version == v; })) {
      errors.push_back("schemaVersion must be one of 2022-07-01, 2022-12-13, 2025-01-29");
    }
  }

  if (!doc.contains("destination") || !doc["destination"].is_object()) {
    errors.push_back("destination is required");
  } else {
    const json& dest = doc["destination"];
    if (!dest.contains("protocol") || !dest["protocol"].is_string()) {
      errors.push_back("destination.protocol is required");
    } else if (dest["protocol"] == "TCP") {
      errors.push_back("destination.protocol TCP is not supported by lambda-sandbox");
    } else if (dest["protocol"] != "HTTP") {
      errors.push_back("destination.protocol must be HTTP or TCP");
    }
    if (!dest.contains("URI") || !dest["URI"].is_string()) {
      errors.push_back("destination.URI is required");
    } else {
      sub.uri = dest["URI"].get<std::string>();
      if (auto parsed = parseUri(sub.uri, errors)) {
        sub.host = parsed->host;
        sub.port = parsed->port;
        sub.path = parsed->path;
      }
    }
  }

  if (!doc.contains("types") || !doc["types"].is_array() || doc["types"].empty()) {
    errors.push_back("types should not be empty");
  } else {
    for (const json& t : doc["types"]) {
      const bool valid = t.is_string() && std::any_of(std::begin(kTypes), std::end(kTypes),
                                                      [&](const char* v) { return t == v; });
      if (!valid) {
        errors.push_back("types may only contain platform, function, extension; got " + t.dump());
      } else if (std::find(sub.types.begin(), sub.types.end(), t.get<std::string>()) ==
                 sub.types.end()) {
        sub.types.push_back(t.get<std::string>());
      }
    }
  }

  if (doc.contains("buffering")) {
    const json& b = doc["buffering"];
    if (!b.is_object()) {
      errors.push_back("buffering must be an object");
    } else {
      readBufferingField(b, "maxItems", kMinBufferMaxItems, kMaxBufferMaxItems,
                         sub.buffering.max_items, errors);
      readBufferingField(b, "maxBytes", kMinBufferMaxBytes, kMaxBufferMaxBytes,
                         sub.buffering.max_bytes, errors);
      readBufferingField(b, "timeoutMs", kMinBufferTimeoutMs, kMaxBufferTimeoutMs,
                         sub.buffering.timeout_ms, errors);
    }
  }

  if (!errors.empty()) {
    for (std::size_t i = 0; i < errors.size(); ++i) {
      result.error_message += (i ? "; " : "") + errors[i];
    }
    return result;
  }
  result.subscription = std::move(sub);
  return result;
}

}  // namespace sandbox
