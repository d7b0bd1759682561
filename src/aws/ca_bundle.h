// Which CA bundle TLS to Kinesis trusts: AWS_CA_BUNDLE, SSL_CERT_FILE, then the OS's usual paths.
#pragma once

#include <array>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace tk::aws {

inline constexpr std::string_view kAwsCaBundleVariable = "AWS_CA_BUNDLE";
inline constexpr std::string_view kSslCertFileVariable = "SSL_CERT_FILE";

// Where Linux distributions keep their PEM bundle, in search order. Amazon Linux first: it is
// Lambda's OS (AL2 and AL2023 keep it at /etc/pki/tls/certs/ca-bundle.crt, not at Debian's path,
// so a libcurl built on Debian finds nothing there by default).
inline constexpr std::array<std::string_view, 6> kWellKnownCaBundlePaths = {
    "/etc/pki/tls/certs/ca-bundle.crt",                   // Amazon Linux, Fedora, RHEL
    "/etc/ssl/certs/ca-certificates.crt",                 // Debian, Ubuntu, Arch, Gentoo
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  // RHEL/CentOS 7+ extracted trust
    "/etc/ssl/ca-bundle.pem",                             // openSUSE, SLES
    "/etc/ssl/cert.pem",                                  // Alpine, macOS-style layouts
    "/etc/pki/tls/cacert.pem",                            // OpenELEC
};

// What chose the bundle, for the start-up log line.
enum class CaBundleSource {
  kAwsCaBundle,     // the AWS_CA_BUNDLE variable
  kSslCertFile,     // the SSL_CERT_FILE variable
  kWellKnownPath,   // the first existing entry of kWellKnownCaBundlePaths
  kLibraryDefault,  // nothing found: the TLS library's built-in default (verification stays on)
};

struct CaBundle {
  std::string path;  // empty only for kLibraryDefault
  CaBundleSource source = CaBundleSource::kLibraryDefault;
};

// True when `path` names a readable file (injected so the search is testable without files).
using FileExists = std::function<bool(const std::string& path)>;

// Chooses the CA bundle: the AWS_CA_BUNDLE value, else the SSL_CERT_FILE value (empty values count
// as unset, as for every variable), else the first of kWellKnownCaBundlePaths that exists, else
// the library default. Only the variable that wins is checked. Error: that variable names a file
// that does not exist; the message names the variable (certificate verification is never turned
// off, so a bundle that is not there is a configuration mistake, not a reason to fall back).
Result<CaBundle> FindCaBundle(std::string_view aws_ca_bundle, std::string_view ssl_cert_file,
                              const FileExists& exists);

// FileExists over the real filesystem: a regular file (symlinks followed) this process can read.
bool IsReadableFile(const std::string& path);

// "AWS_CA_BUNDLE", "SSL_CERT_FILE", "well-known path" or "TLS library default", for logs.
std::string_view CaBundleSourceName(CaBundleSource source);

}  // namespace tk::aws
