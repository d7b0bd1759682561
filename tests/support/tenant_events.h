// Telemetry API events of a function in tenant isolation mode, shaped as the Lambda Developer
// Guide shows them ("Monitoring Lambda functions with tenant isolation": `tenantId` inside the
// event's `record` of platform.start and platform.report, and in JSON log lines), with
// platform.runtimeDone as the shared samples have it plus the same field. ../shared has no tenant
// samples: these are the documented shapes, with an example account id.
#pragma once

#include <string>

namespace tk::testing {

inline constexpr char kTenant[] = "BlueTenant";
inline constexpr char kTenantRequestId[] = "a0f40320-b43c-44b3-91bf-d5b5240a1bed";

inline std::string TenantStartEvent(const std::string& tenant = kTenant) {
  return R"({"time":"2025-10-13T19:48:06.990Z","type":"platform.start","record":{)"
         R"("requestId":"a0f40320-b43c-44b3-91bf-d5b5240a1bed",)"
         R"("functionArn":"arn:aws:lambda:us-east-1:123456789012:function:multitenant-function-1",)"
         R"("version":"$LATEST","tenantId":")" +
         tenant + R"("}})";
}

// A JSON log line (log format JSON): the runtime's fields, then the tenant.
inline std::string TenantLogEvent(const std::string& message, const std::string& tenant = kTenant) {
  return R"({"time":"2025-10-13T19:48:06.992Z","type":"function","record":{)"
         R"("timestamp":"2025-10-13T19:48:06.992Z","level":"INFO",)"
         R"("requestId":"a0f40320-b43c-44b3-91bf-d5b5240a1bed","tenantId":")" +
         tenant + R"(","message":")" + message + R"("}})";
}

inline std::string TenantRuntimeDoneEvent(const std::string& tenant = kTenant) {
  return R"({"time":"2025-10-13T19:48:07.100Z","type":"platform.runtimeDone","record":{)"
         R"("requestId":"a0f40320-b43c-44b3-91bf-d5b5240a1bed","status":"success",)"
         R"("tenantId":")" +
         tenant +
         R"(","spans":[{"name":"responseLatency","start":"2025-10-13T19:48:07.000Z",)"
         R"("durationMs":1.2}],"metrics":{"durationMs":110.0,"producedBytes":16}}})";
}

// platform.report: the tenant after the nested metrics (the walk must step over them).
inline std::string TenantReportEvent(const std::string& tenant = kTenant) {
  return R"({"time":"2025-10-13T19:48:07.200Z","type":"platform.report","record":{)"
         R"("requestId":"a0f40320-b43c-44b3-91bf-d5b5240a1bed","metrics":{"durationMs":111.5,)"
         R"("billedDurationMs":112,"memorySizeMB":128,"maxMemoryUsedMB":70},)"
         R"("status":"success","tenantId":")" +
         tenant + R"("}})";
}

// Events of the same environment that carry no tenant: init (before any invocation) and a
// plain-text log line (record is a string).
inline std::string InitStartEvent() {
  return R"({"time":"2025-10-13T19:48:06.000Z","type":"platform.initStart","record":{)"
         R"("initializationType":"on-demand","phase":"init","runtimeVersion":"nodejs:22.v40",)"
         R"("runtimeVersionArn":"arn:aws:lambda:us-east-1::runtime:abc","functionName":"f",)"
         R"("functionVersion":"$LATEST"}})";
}

inline std::string TextLogEvent(const std::string& message) {
  return R"({"time":"2025-10-13T19:48:06.995Z","type":"function","record":")" + message + R"("})";
}

}  // namespace tk::testing
