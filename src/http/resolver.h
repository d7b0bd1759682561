// Host names to addresses within a deadline. cpp-httplib resolves with a blocking getaddrinfo that
// has no timeout of its own (glibc's stub resolver waits `timeout:5` x `attempts:2` per name
// server, resolv.conf(5)), so a name server that never answers kept a shutdown drain well past
// Lambda's deadline. The HTTP client resolves through this interface first and hands cpp-httplib
// the address; tests inject resolvers that hang or answer slowly.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tk::http {

struct Resolution {
  enum class Outcome { kResolved, kTimedOut, kFailed };
  Outcome outcome = Outcome::kFailed;
  // kResolved: numeric addresses ("192.0.2.1", "2001:db8::1"), best first: getaddrinfo's order,
  // RFC 3484 destination address selection (gai.conf(5)), which puts last an address this host
  // has no source address to reach (an IPv6 address in a VPC without IPv6).
  std::vector<std::string> addresses;
  std::string failure;  // kFailed: why, in words (gai_strerror)
};

class Resolver {
 public:
  virtual ~Resolver() = default;
  // Looks `host` up and returns no later than `timeout` from now, answered or not (kTimedOut).
  // The client relies on that bound: it has no other way to interrupt a lookup.
  virtual Resolution Resolve(const std::string& host, std::chrono::milliseconds timeout) = 0;
};

// The system's resolver (NSS: /etc/hosts, then DNS, as nsswitch.conf says) through glibc's
// getaddrinfo_a, waited for with gai_suspend and given up with gai_cancel at the deadline.
// Not thread-safe: one client, and so one thread, owns it.
class GaiResolver final : public Resolver {
 public:
  GaiResolver();
  ~GaiResolver() override;
  GaiResolver(const GaiResolver&) = delete;
  GaiResolver& operator=(const GaiResolver&) = delete;

  Resolution Resolve(const std::string& host, std::chrono::milliseconds timeout) override;

  // Lookups given up on that glibc is still working on (for tests).
  size_t abandoned() const;

 private:
  struct Lookup;
  void ReapAbandoned();
  std::vector<std::unique_ptr<Lookup>> abandoned_;
};

// An IPv4 or IPv6 address literal (without brackets): nothing to resolve.
bool IsIpLiteral(std::string_view host);

}  // namespace tk::http
