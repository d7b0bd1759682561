// getaddrinfo_a with a deadline. Sources: getaddrinfo_a(3) of the Linux man-pages, which documents
// glibc's functions, and glibc 2.36's resolv/gai_cancel.c, gai_misc.c and gai_suspend.c where the
// page is silent (what a cancelled or abandoned request still holds).
#include "http/resolver.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <ctime>

namespace tk::http {

// One request handed to glibc. It lives on the heap: glibc's helper thread writes the answer into
// `request` whenever the lookup ends, so a lookup given up on keeps its memory until then.
struct GaiResolver::Lookup {
  std::string name;
  addrinfo hints{};
  gaicb request{};
};

namespace {

using Clock = std::chrono::steady_clock;
constexpr long kNanosPerSecond = 1'000'000'000;

timespec ToTimespec(Clock::duration left) {
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
  return timespec{.tv_sec = static_cast<time_t>(nanos / kNanosPerSecond),
                  .tv_nsec = static_cast<long>(nanos % kNanosPerSecond)};
}

// The answer's addresses as numeric strings, each once (one per address: the hints ask for
// SOCK_STREAM only), in getaddrinfo's order.
std::vector<std::string> Addresses(const addrinfo* list) {
  std::vector<std::string> addresses;
  for (const addrinfo* entry = list; entry != nullptr; entry = entry->ai_next) {
    char text[NI_MAXHOST];
    if (::getnameinfo(entry->ai_addr, entry->ai_addrlen, text, sizeof(text), nullptr, 0,
                      NI_NUMERICHOST) != 0) {
      continue;
    }
    if (std::find(addresses.begin(), addresses.end(), text) == addresses.end()) {
      addresses.emplace_back(text);
    }
  }
  return addresses;
}

}  // namespace

GaiResolver::GaiResolver() = default;

// A lookup still running cannot be freed (glibc will write into it) nor waited for (that is the
// hang this class exists to bound): it is left to glibc, a few hundred bytes each, at most one
// per lookup that timed out, and the resolver lives as long as the process.
GaiResolver::~GaiResolver() {
  ReapAbandoned();
  for (std::unique_ptr<Lookup>& lookup : abandoned_) static_cast<void>(lookup.release());
}

size_t GaiResolver::abandoned() const { return abandoned_.size(); }

void GaiResolver::ReapAbandoned() {
  std::erase_if(abandoned_, [](const std::unique_ptr<Lookup>& lookup) {
    const int status = ::gai_error(&lookup->request);
    if (status == EAI_INPROGRESS) return false;
    if (status == 0) ::freeaddrinfo(lookup->request.ar_result);
    return true;
  });
}

Resolution GaiResolver::Resolve(const std::string& host, std::chrono::milliseconds timeout) {
  ReapAbandoned();
  Resolution resolution;
  const Clock::time_point deadline = Clock::now() + timeout;

  auto lookup = std::make_unique<Lookup>();
  lookup->name = host;
  // As cpp-httplib asked (detail::create_socket): any family, stream sockets, no flags.
  lookup->hints.ai_family = AF_UNSPEC;
  lookup->hints.ai_socktype = SOCK_STREAM;
  lookup->request.ar_name = lookup->name.c_str();
  lookup->request.ar_service = nullptr;  // only the address is handed on, not a port
  lookup->request.ar_request = &lookup->hints;
  gaicb* list[] = {&lookup->request};
  // No notification: gai_suspend below is how we learn the lookup ended (SIGEV_NONE).
  sigevent none{};
  none.sigev_notify = SIGEV_NONE;
  // GAI_NOWAIT: glibc runs the lookup on a helper thread of its own pool (at most 20, each gone
  // after a second idle: resolv/gai_misc.c) and returns at once.
  if (const int started = ::getaddrinfo_a(GAI_NOWAIT, list, 1, &none); started != 0) {
    resolution.failure = ::gai_strerror(started);
    return resolution;
  }

  int status = ::gai_error(&lookup->request);
  while (status == EAI_INPROGRESS) {
    const Clock::duration left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) break;
    const timespec wait = ToTimespec(left);
    const gaicb* const waiting[] = {&lookup->request};
    // Returns when the lookup ends (0), at the timeout (EAI_AGAIN), or on a signal (EAI_INTR):
    // in every case the loop asks gai_error again and waits for what is left.
    ::gai_suspend(waiting, 1, &wait);
    status = ::gai_error(&lookup->request);
  }

  if (status == EAI_INPROGRESS) {
    // gai_cancel removes a lookup still queued (EAI_CANCELED) but not one a helper thread has
    // begun (EAI_NOTCANCELED): that one runs to its end, into memory we must keep until then.
    switch (::gai_cancel(&lookup->request)) {
      case EAI_CANCELED:
        break;
      case EAI_ALLDONE:  // it ended between the last gai_error and gai_cancel
        status = ::gai_error(&lookup->request);
        break;
      default:  // EAI_NOTCANCELED
        abandoned_.push_back(std::move(lookup));
        break;
    }
    if (status == EAI_INPROGRESS) {
      resolution.outcome = Resolution::Outcome::kTimedOut;
      return resolution;
    }
  }

  if (status != 0) {
    resolution.failure = ::gai_strerror(status);
    return resolution;
  }
  resolution.addresses = Addresses(lookup->request.ar_result);
  ::freeaddrinfo(lookup->request.ar_result);
  if (resolution.addresses.empty()) {
    resolution.failure = "no usable address";
    return resolution;
  }
  resolution.outcome = Resolution::Outcome::kResolved;
  return resolution;
}

bool IsIpLiteral(std::string_view host) {
  const std::string text(host);
  unsigned char address[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, text.c_str(), address) == 1 ||
         ::inet_pton(AF_INET6, text.c_str(), address) == 1;
}

}  // namespace tk::http
