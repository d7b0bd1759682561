// Tests the getaddrinfo_a resolver: a real lookup from /etc/hosts, and a name server that never
// answers. For the latter a child process gets network and mount namespaces of its own (loopback
// only), where /etc/resolv.conf names 127.0.0.1 and a UDP socket on port 53 reads the queries
// and never answers: the lookup truly hangs in glibc's stub resolver, which would wait 5 s x 2
// attempts. Nothing leaves loopback, and the machine's own resolv.conf is never touched.
#include "http/resolver.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "http/httplib_http_client.h"

namespace tk::http {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr char kHangingName[] = "kinesis.hangs.test";
constexpr uint16_t kDnsPort = 53;

long ElapsedMs(Clock::time_point start) {
  return static_cast<long>(std::chrono::duration_cast<milliseconds>(Clock::now() - start).count());
}

TEST(ResolverTest, LooksUpLocalhostFromEtcHosts) {
  GaiResolver resolver;
  const auto start = Clock::now();
  const Resolution resolution = resolver.Resolve("localhost", milliseconds(2000));
  EXPECT_LT(ElapsedMs(start), 2000);
  ASSERT_EQ(resolution.outcome, Resolution::Outcome::kResolved) << resolution.failure;
  const auto& addresses = resolution.addresses;
  EXPECT_TRUE(std::find(addresses.begin(), addresses.end(), "127.0.0.1") != addresses.end() ||
              std::find(addresses.begin(), addresses.end(), "::1") != addresses.end())
      << addresses.size() << " addresses, first " << (addresses.empty() ? "" : addresses[0]);
  EXPECT_EQ(resolver.abandoned(), 0u);
}

TEST(ResolverTest, TellsIpLiteralsFromNames) {
  EXPECT_TRUE(IsIpLiteral("127.0.0.1"));
  EXPECT_TRUE(IsIpLiteral("::1"));
  EXPECT_TRUE(IsIpLiteral("2001:db8::1"));
  EXPECT_FALSE(IsIpLiteral("localhost"));
  EXPECT_FALSE(IsIpLiteral("kinesis.us-east-1.amazonaws.com"));
  EXPECT_FALSE(IsIpLiteral("1.2.3"));  // getaddrinfo would take it (inet_aton), DNS never
  EXPECT_FALSE(IsIpLiteral(""));
}

// Whether this process may make network and mount namespaces (root, or CAP_SYS_ADMIN): tried in
// a throwaway child, which makes them, makes its mounts private, and exits.
bool CanIsolate() {
  const pid_t child = ::fork();
  if (child < 0) return false;
  if (child == 0) {
    const bool ok = ::unshare(CLONE_NEWNS | CLONE_NEWNET) == 0 &&
                    ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0;
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int Fail(const char* what) {
  std::fprintf(stderr, "%s: %s\n", what, std::strerror(errno));
  return 1;
}

// The death test's child (a fresh process: gtest re-executes the binary, so no thread and no
// glibc lookup state comes from other tests). Returns its exit code: 0 when every check held.
int LookUpAgainstANameServerThatNeverAnswers() {
  // Mounts made private first, so the bind mount below cannot propagate to the machine.
  if (::unshare(CLONE_NEWNS | CLONE_NEWNET) != 0) return Fail("unshare");
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return Fail("private");
  char path[] = "/tmp/tk-resolv-XXXXXX";
  const int file = ::mkstemp(path);
  if (file < 0) return Fail("mkstemp");
  const std::string conf = "nameserver 127.0.0.1\noptions timeout:5 attempts:2\n";
  if (::write(file, conf.data(), conf.size()) != static_cast<ssize_t>(conf.size())) {
    return Fail("write");
  }
  ::close(file);
  const int bound = ::mount(path, "/etc/resolv.conf", nullptr, MS_BIND, nullptr);
  ::unlink(path);  // the bind mount keeps the file
  if (bound != 0) return Fail("bind resolv.conf");

  // A new network namespace's loopback starts down.
  const int control = ::socket(AF_INET, SOCK_DGRAM, 0);
  ifreq loopback{};
  std::strncpy(loopback.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(control, SIOCGIFFLAGS, &loopback) != 0) return Fail("SIOCGIFFLAGS");
  loopback.ifr_flags = static_cast<short>(loopback.ifr_flags | IFF_UP | IFF_RUNNING);
  if (::ioctl(control, SIOCSIFFLAGS, &loopback) != 0) return Fail("SIOCSIFFLAGS");
  ::close(control);

  const int name_server = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(kDnsPort);
  if (::bind(name_server, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return Fail("bind :53");
  }

  int failures = 0;
  GaiResolver resolver;
  auto start = Clock::now();
  const Resolution resolution = resolver.Resolve(kHangingName, milliseconds(200));
  const long resolve_ms = ElapsedMs(start);
  char query[512];
  const ssize_t queried = ::recv(name_server, query, sizeof(query), MSG_DONTWAIT);
  std::fprintf(stderr, "Resolve: outcome %d after %ld ms; query %zd bytes; abandoned %zu\n",
               static_cast<int>(resolution.outcome), resolve_ms, queried, resolver.abandoned());
  failures += resolution.outcome != Resolution::Outcome::kTimedOut;
  failures += resolve_ms < 190 || resolve_ms > 1000;
  failures += queried <= 0;               // it did ask the name server: the wait was DNS's
  failures += resolver.abandoned() != 1;  // glibc was still on it: kept, not freed

  // The client with its default resolver: the request's 200 ms bound DNS, not its 10 s.
  HttplibHttpClient client;
  Request request;
  request.url = std::string("https://") + kHangingName + "/";
  request.body = "{}";
  request.timeout_ms = 200;
  start = Clock::now();
  const Response response = client.Send(request);
  const long send_ms = ElapsedMs(start);
  std::fprintf(stderr, "Send: %ld ms: %s\n", send_ms, response.transport.message.c_str());
  failures += send_ms > 1000;
  failures += response.transport.message != std::string("HTTP transport error: DNS lookup of ") +
                                                kHangingName + " timed out after 200 ms";
  failures += response.transport.kind != ErrorKind::kTimeout;
  return failures == 0 ? 0 : 1;
}

TEST(ResolverTest, GivesUpOnANameServerThatNeverAnswersAtTheDeadline) {
  if (!CanIsolate()) GTEST_SKIP() << "no network and mount namespaces here (needs root)";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(::_exit(LookUpAgainstANameServerThatNeverAnswers()), ::testing::ExitedWithCode(0),
              "");
}

}  // namespace
}  // namespace tk::http
