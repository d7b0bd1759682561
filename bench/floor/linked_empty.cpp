// tk-bench-linked-empty: a program that does nothing but is linked with every library the
// extension links (tk-bench-plain-empty is the same without them). Their difference is what the
// dynamic loader and the libraries' constructors cost before the extension's main() runs: start-up
// time and resident memory that no code of ours can avoid. With --curl-init it also runs
// curl_global_init (OpenSSL's initialisation), as the extension's first PutRecords does.
//
// Prints {"rss_kb","rss_anon_kb","rss_file_kb"} of this process at the end of main.
#include <cstdio>
#include <cstring>
#include <string>

#ifdef TK_LINKED_EMPTY_CURL
#include <curl/curl.h>
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
#ifdef TK_LINKED_EMPTY_CURL
  if (argc > 1 && std::string(argv[1]) == "--curl-init") curl_global_init(CURL_GLOBAL_DEFAULT);
#else
  (void)argc;
  (void)argv;
#endif
  std::printf("{\"rss_kb\":%ld,\"rss_anon_kb\":%ld,\"rss_file_kb\":%ld}\n", StatusKb("VmRSS"),
              StatusKb("RssAnon"), StatusKb("RssFile"));
  return 0;
}
