// tk-bench-linked-empty: a program that does nothing but is linked with every library the
// extension links (tk-bench-plain-empty is the same without them). Their difference is what the
// dynamic loader and the libraries' constructors cost before the extension's main() runs: start-up
// time and resident memory that no code of ours can avoid. With --tls-init it also initialises
// OpenSSL's TLS library as the extension's first HTTPS request does.
//
// Prints {"rss_kb","rss_anon_kb","rss_file_kb"} of this process at the end of main; the bench
// times start-up to that line with tk-bench-spawn-timer, the way the sandbox times the extension's
// init (fork and exec to its first /next).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#ifdef TK_LINKED_EMPTY_OPENSSL
#include <cbor.h>
#include <openssl/ssl.h>
#include <zlib.h>
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
  // Never true: references the extension's shared libraries, so that --as-needed keeps each of
  // them NEEDED (mapped and relocated at start) as in the extension.
  if (argc > 1 && std::string(argv[1]) == "--reference-libraries") {
    cbor_item_t* item = cbor_new_null();
    std::printf("%s %d\n", zlibVersion(), cbor_is_null(item) ? 1 : 0);
    cbor_decref(&item);
  }
#else
  (void)argc;
  (void)argv;
#endif
  std::printf("{\"rss_kb\":%ld,\"rss_anon_kb\":%ld,\"rss_file_kb\":%ld}\n", StatusKb("VmRSS"),
              StatusKb("RssAnon"), StatusKb("RssFile"));
  std::fflush(stdout);  // the line marks the end of start-up for tk-bench-spawn-timer
  return 0;
}
