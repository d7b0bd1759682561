// tk-bench-linked-empty: a program that does nothing but is linked with every library the
// extension links (tk-bench-plain-empty is the same without them). Their difference is what the
// dynamic loader and the libraries' constructors cost before the extension's main() runs: start-up
// time and resident memory that no code of ours can avoid. With --tls-init it also initialises
// OpenSSL's TLS library as the extension's first HTTPS request does.
//
// Prints {"rss_kb","rss_anon_kb","rss_file_kb"} of this process at the end of main.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#ifdef TK_LINKED_EMPTY_OPENSSL
#include <openssl/ssl.h>
#endif

namespace {

long StatusKb(const char* key) {
  FILE* status = std::fopen("/proc/self/status", "r");
  if (status == nullptr) return -1;
  char line[256];
  long value = -1;
  const size_t key_length = std::strlen(key);
  while (std::fgets(line, sizeof line, status) != nullptr) {
    if (std::strncmp(line, key, key_length) == 0 && line[key_length] == ':') {
      value = std::strtol(line + key_length + 1, nullptr, 10);
      break;
    }
  }
  std::fclose(status);
  return value;
}

}  // namespace

int main(int argc, char** argv) {
#ifdef TK_LINKED_EMPTY_OPENSSL
  if (argc > 1 && std::string(argv[1]) == "--tls-init") {
    OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, nullptr);
    SSL_CTX_free(SSL_CTX_new(TLS_client_method()));
  }
#else
  (void)argc;
  (void)argv;
#endif
  std::printf("{\"rss_kb\":%ld,\"rss_anon_kb\":%ld,\"rss_file_kb\":%ld}\n", StatusKb("VmRSS"),
              StatusKb("RssAnon"), StatusKb("RssFile"));
  return 0;
}
